/* In-kernel self-tests reported as KTAP on the console. A suite is a list
 * of cases; each case records failures through KT_EXPECT/KT_ASSERT and may
 * skip itself when it cannot run in this mode. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <kernel/compiler.h>

struct ktest {
	int failures;
	bool skipped;
	char reason[96];
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;
	unsigned int nr_cases;
	/* NULL or returns a reason to skip the whole suite in this mode. */
	const char *(*skip_reason)(void);
};

#define KTEST_SUITE(ident, sname, case_array, skipfn)                              \
	static const struct ktest_suite __ktest_##ident __used                     \
		__section(".ktest_suites") __aligned(8) = {                        \
			.name = sname,                                             \
			.cases = case_array,                                       \
			.nr_cases = ARRAY_SIZE(case_array),                        \
			.skip_reason = skipfn,                                     \
		}

__printf(4, 5) void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...);
void ktest_skip(struct ktest *t, const char *reason);

#define KT_EXPECT(t, cond)                                                    \
	do {                                                                  \
		if (!(cond))                                                  \
			ktest_fail(t, __FILE__, __LINE__, "expected: %s", #cond); \
	} while (0)

#define KT_ASSERT(t, cond)                                                    \
	do {                                                                  \
		if (!(cond)) {                                                \
			ktest_fail(t, __FILE__, __LINE__, "assertion: %s", #cond); \
			return;                                               \
		}                                                             \
	} while (0)

#define KT_EXPECT_EQ(t, a, b)                                                          \
	do {                                                                           \
		long long __a = (long long)(a), __b = (long long)(b);                  \
		if (__a != __b)                                                        \
			ktest_fail(t, __FILE__, __LINE__, "%s == %s (%lld vs %lld)", #a, \
				   #b, __a, __b);                                      \
	} while (0)

struct ktest_totals {
	unsigned int passed, failed, skipped;
};

bool ktest_requested(void);
/* Run the selected suites ("all" or "a,b"), printing KTAP; 0 if all
 * passed, -EIO otherwise. */
int ktest_run(const char *selection, struct ktest_totals *tot);
void __noreturn ktest_run_and_exit(void);

#endif
