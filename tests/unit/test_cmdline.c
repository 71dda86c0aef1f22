/* Host tests for lib/cmdline.c: the cmdline_next() tokenizer. */
#include "kx.h"
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <string.h>
#include "test.h"

/* One expected result of cmdline_next(). key/val only checked for rc == 1. */
struct want {
	int rc;
	const char *key;
	const char *val;  /* NULL: no '=' (has_val false) */
};

#define MAXTOK 16

/* Tokenize all of line; check every result, that *pos advances on every
 * non-zero return, stays inside the string, and that parsing ends with 0. */
static void expect_tokens(const char *file, int line, const char *cmdline, const struct want *w,
			  int nw)
{
	const char *pos = cmdline;
	const char *end = cmdline + strlen(cmdline);
	struct cmdline_token tok;
	int i = 0;

	for (;;) {
		const char *before = pos;
		int rc;

		memset(&tok, 0x5a, sizeof(tok));
		rc = cmdline_next(&pos, &tok);
		if (!xt_check(pos >= before && pos <= end, file, line,
			      "\"%s\": position moved outside the string", cmdline))
			return;
		if (rc == 0) {
			xt_check(pos == end, file, line, "\"%s\": end reported at offset %td of %td",
				 cmdline, pos - cmdline, end - cmdline);
			break;
		}
		if (!xt_check(pos > before, file, line, "\"%s\": token %d: rc %d without progress",
			      cmdline, i, rc))
			return;
		if (!xt_check(i < nw, file, line, "\"%s\": unexpected extra token %d (rc %d, key \"%.*s\")",
			      cmdline, i, rc, (int)strnlen(tok.key, sizeof(tok.key)), tok.key))
			return;
		if (!xt_check(rc == w[i].rc, file, line, "\"%s\": token %d: rc %d, expected %d",
			      cmdline, i, rc, w[i].rc)) {
			i++;
			continue;
		}
		if (rc == 1) {
			bool key_ok = memchr(tok.key, '\0', sizeof(tok.key)) && !strcmp(tok.key, w[i].key);
			bool hv_ok = tok.has_val == (w[i].val != NULL);
			bool val_ok = memchr(tok.val, '\0', sizeof(tok.val)) &&
				      (w[i].val ? !strcmp(tok.val, w[i].val) : tok.val[0] == '\0');

			xt_check(key_ok && hv_ok && val_ok, file, line,
				 "\"%s\": token %d: key \"%.*s\" has_val %d val \"%.*s\", expected "
				 "key \"%s\" has_val %d val \"%s\"",
				 cmdline, i, (int)strnlen(tok.key, sizeof(tok.key)), tok.key, tok.has_val,
				 (int)strnlen(tok.val, sizeof(tok.val)), tok.val, w[i].key,
				 w[i].val != NULL, w[i].val ? w[i].val : "");
		}
		i++;
	}
	xt_check(i == nw, file, line, "\"%s\": %d tokens, expected %d", cmdline, i, nw);
}

#define EXPECT(cmdline, ...)                                                              \
	do {                                                                              \
		static const struct want w_[] = { __VA_ARGS__ };                          \
		expect_tokens(__FILE__, __LINE__, cmdline, w_, (int)(sizeof(w_) / sizeof(w_[0]))); \
	} while (0)

#define EXPECT_NONE(cmdline) expect_tokens(__FILE__, __LINE__, cmdline, NULL, 0)

#define T(k, v) { 1, k, v }
#define E(rc) { rc, NULL, NULL }

TEST(test_simple_tokens)
{
	EXPECT_NONE("");
	EXPECT_NONE("   ");
	EXPECT_NONE(" \t\n\r ");
	EXPECT("quiet", T("quiet", NULL));
	EXPECT("console=hvc0", T("console", "hvc0"));
	EXPECT("a b c", T("a", NULL), T("b", NULL), T("c", NULL));
	EXPECT("  loglevel=7   quiet  ", T("loglevel", "7"), T("quiet", NULL));
	EXPECT("a=1 b=2", T("a", "1"), T("b", "2"));
	/* Only the first '=' separates; the value may contain more. */
	EXPECT("opt=a=b=c", T("opt", "a=b=c"));
	EXPECT("k==", T("k", "="));
}

TEST(test_key_equals_vs_key)
{
	struct cmdline_token tok;
	const char *p;

	EXPECT("key=", T("key", ""));
	EXPECT("key", T("key", NULL));
	EXPECT("key= next", T("key", ""), T("next", NULL));

	/* has_val and val are reset for every token. */
	p = "a=full b";
	CHECK_EQ(cmdline_next(&p, &tok), 1);
	CHECK(tok.has_val);
	CHECK_STR(tok.val, "full");
	CHECK_EQ(cmdline_next(&p, &tok), 1);
	CHECK_STR(tok.key, "b");
	CHECK(!tok.has_val);
	CHECK_STR(tok.val, "");
	CHECK_EQ(cmdline_next(&p, &tok), 0);
	/* At the end it keeps returning 0 without moving. */
	CHECK_EQ(cmdline_next(&p, &tok), 0);
	CHECK_EQ(*p, '\0');
}

TEST(test_separators)
{
	EXPECT("a\tb", T("a", NULL), T("b", NULL));
	EXPECT("a\nb\r\nc", T("a", NULL), T("b", NULL), T("c", NULL));
	EXPECT("\tk=v\t\n", T("k", "v"));
	EXPECT("k=v\tw", T("k", "v"), T("w", NULL));
	/* Other control characters are part of a word. */
	EXPECT("a\vb", T("a\vb", NULL));
}

TEST(test_quotes)
{
	EXPECT("msg=\"hello world\"", T("msg", "hello world"));
	EXPECT("msg=\"hello world\" x", T("msg", "hello world"), T("x", NULL));
	EXPECT("msg=\"\"", T("msg", ""));
	EXPECT("msg=\"a\tb\nc\"", T("msg", "a\tb\nc"));
	EXPECT("msg=\"a=b\"", T("msg", "a=b"));
	/* Quotes may be anywhere in the value and just group. */
	EXPECT("v=pre\"mid dle\"post", T("v", "premid dlepost"));
	EXPECT("v=\"a\"\"b\"", T("v", "ab"));
	/* Quoted key parts, including an '=' inside quotes. */
	EXPECT("\"sp ace\"=1", T("sp ace", "1"));
	EXPECT("\"a=b\"=c", T("a=b", "c"));
	EXPECT("\"a=b\"", T("a=b", NULL));
}

TEST(test_errors)
{
	/* Unterminated quote: -EINVAL, and the rest of the line is swallowed. */
	EXPECT("msg=\"abc", E(-EINVAL));
	EXPECT("msg=\"abc def", E(-EINVAL));
	EXPECT("a msg=\"abc def", T("a", NULL), E(-EINVAL));
	EXPECT("\"", E(-EINVAL));
	EXPECT("\"key", E(-EINVAL));

	/* Empty key. */
	EXPECT("=x", E(-EINVAL));
	EXPECT("=x ok", E(-EINVAL), T("ok", NULL));
	EXPECT("=", E(-EINVAL));
	EXPECT("\"\"", E(-EINVAL));
	EXPECT("\"\"=v next", E(-EINVAL), T("next", NULL));
}

TEST(test_too_long)
{
	char line[2048];
	char k31[32], k32[33], v255[256], v256[257];

	memset(k31, 'k', 31);
	k31[31] = '\0';
	memset(k32, 'K', 32);
	k32[32] = '\0';
	memset(v255, 'v', 255);
	v255[255] = '\0';
	memset(v256, 'V', 256);
	v256[256] = '\0';

	/* Longest key and value that fit (31 and 255 characters). */
	snprintf(line, sizeof(line), "%s=%s", k31, v255);
	{
		const char *p = line;
		struct cmdline_token tok;

		CHECK_EQ(cmdline_next(&p, &tok), 1);
		CHECK_STR(tok.key, k31);
		CHECK_STR(tok.val, v255);
		CHECK_EQ(cmdline_next(&p, &tok), 0);
	}

	/* One more: -E2BIG, and parsing continues with the next word. */
	snprintf(line, sizeof(line), "%s after", k32);
	{
		static const struct want w[] = { E(-E2BIG), T("after", NULL) };

		expect_tokens(__FILE__, __LINE__, line, w, 2);
	}
	snprintf(line, sizeof(line), "%s=value after", k32);
	{
		static const struct want w[] = { E(-E2BIG), T("after", NULL) };

		expect_tokens(__FILE__, __LINE__, line, w, 2);
	}
	snprintf(line, sizeof(line), "before k=%s after", v256);
	{
		static const struct want w[] = { T("before", NULL), E(-E2BIG), T("after", NULL) };

		expect_tokens(__FILE__, __LINE__, line, w, 3);
	}
	/* Too long inside quotes, with spaces: the whole quoted value is skipped. */
	snprintf(line, sizeof(line), "k=\"%s %s\" after", v255, v255);
	{
		static const struct want w[] = { E(-E2BIG), T("after", NULL) };

		expect_tokens(__FILE__, __LINE__, line, w, 2);
	}
	/* Too long key and an unterminated quote: -EINVAL wins. */
	snprintf(line, sizeof(line), "%s=\"open", k32);
	{
		static const struct want w[] = { E(-EINVAL) };

		expect_tokens(__FILE__, __LINE__, line, w, 1);
	}
	/* Tokens stay terminated inside their buffers even when truncated. */
	{
		const char *p;
		struct cmdline_token tok;

		snprintf(line, sizeof(line), "%s%s=%s%s", k32, k32, v256, v256);
		p = line;
		memset(&tok, 0x5a, sizeof(tok));
		CHECK_EQ(cmdline_next(&p, &tok), -E2BIG);
		CHECK(memchr(tok.key, '\0', sizeof(tok.key)) != NULL);
		CHECK(memchr(tok.val, '\0', sizeof(tok.val)) != NULL);
		CHECK_EQ(*p, '\0');
	}
}

/* Words built from a small alphabet: the tokenizer must agree with a
 * straightforward reference implementation written from the header's
 * contract. */
static int ref_next(const char **pos, char *key, char *val, bool *has_val)
{
	const char *s = *pos;
	size_t kn = 0, vn = 0;
	bool q = false, klong = false, vlong = false, inval = false;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!*s) {
		*pos = s;
		return 0;
	}
	*has_val = false;
	for (; *s; s++) {
		bool sp = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';

		if (*s == '"') {
			q = !q;
			continue;
		}
		if (!q && sp)
			break;
		if (!q && !inval && *s == '=') {
			inval = true;
			*has_val = true;
			continue;
		}
		if (inval) {
			if (vn < CMDLINE_VAL_MAX - 1)
				val[vn++] = *s;
			else
				vlong = true;
		} else {
			if (kn < CMDLINE_KEY_MAX - 1)
				key[kn++] = *s;
			else
				klong = true;
		}
	}
	key[kn] = '\0';
	val[vn] = '\0';
	*pos = s;
	if (q)
		return -EINVAL;
	if (klong || vlong)
		return -E2BIG;
	if (!kn)
		return -EINVAL;
	return 1;
}

TEST(test_random_against_reference)
{
	static const char alpha[] = "ab=\" \t\n";
	char line[160];
	unsigned long mismatches = 0, tokens = 0;

	xt_srand(777);
	for (int iter = 0; iter < 50000; iter++) {
		size_t n = xt_below(sizeof(line) - 1);
		const char *p, *r;

		for (size_t i = 0; i < n; i++) {
			/* Mostly letters, so long words (E2BIG) happen too. */
			uint64_t x = xt_below(20);

			line[i] = x < 13 ? alpha[x & 1] : alpha[x - 12 < 7 ? x - 12 : 0];
		}
		line[n] = '\0';
		/* Make overlong keys and values likely in some lines. */
		if (iter % 7 == 0)
			for (size_t i = 0; i < n; i++)
				if (line[i] == ' ' || line[i] == '\t' || line[i] == '\n')
					line[i] = 'c';
		p = r = line;
		for (;;) {
			struct cmdline_token tok;
			char rk[CMDLINE_KEY_MAX], rv[CMDLINE_VAL_MAX];
			bool rhv = false;
			int rc = cmdline_next(&p, &tok);
			int rr = ref_next(&r, rk, rv, &rhv);

			tokens++;
			if (rc != rr || p != r ||
			    (rc == 1 && (strcmp(tok.key, rk) || strcmp(tok.val, rv) ||
					 tok.has_val != rhv))) {
				if (mismatches++ < 5)
					CHECK_MSG(false, "\"%s\" at %td: rc %d/%d ref, pos %td/%td ref",
						  line, r - line, rc, rr, p - line, r - line);
				break;
			}
			if (rc == 0)
				break;
		}
	}
	CHECK_EQ(mismatches, 0);
	CHECK(tokens > 50000);
}

int main(void)
{
	RUN(test_simple_tokens);
	RUN(test_key_equals_vs_key);
	RUN(test_separators);
	RUN(test_quotes);
	RUN(test_errors);
	RUN(test_too_long);
	RUN(test_random_against_reference);
	return xt_done();
}
