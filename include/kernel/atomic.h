/* Atomics on plain integers, built on the compiler's __atomic builtins
 * (which emit lock-prefixed instructions on x86). Every operation is a
 * full barrier unless its name says otherwise. */
#ifndef KERNEL_ATOMIC_H
#define KERNEL_ATOMIC_H

#include <kernel/compiler.h>

typedef struct {
	long v;
} atomic_t;

#define ATOMIC_INIT(x) { .v = (x) }

static inline long atomic_read(const atomic_t *a)
{
	return __atomic_load_n(&a->v, __ATOMIC_RELAXED);
}

static inline void atomic_set(atomic_t *a, long v)
{
	__atomic_store_n(&a->v, v, __ATOMIC_RELAXED);
}

static inline long atomic_add_return(atomic_t *a, long n)
{
	return __atomic_add_fetch(&a->v, n, __ATOMIC_SEQ_CST);
}

static inline long atomic_fetch_add(atomic_t *a, long n)
{
	return __atomic_fetch_add(&a->v, n, __ATOMIC_SEQ_CST);
}

static inline void atomic_inc(atomic_t *a)
{
	__atomic_add_fetch(&a->v, 1, __ATOMIC_SEQ_CST);
}

static inline void atomic_dec(atomic_t *a)
{
	__atomic_sub_fetch(&a->v, 1, __ATOMIC_SEQ_CST);
}

static inline bool atomic_dec_and_test(atomic_t *a)
{
	return __atomic_sub_fetch(&a->v, 1, __ATOMIC_SEQ_CST) == 0;
}

static inline long atomic_xchg(atomic_t *a, long v)
{
	return __atomic_exchange_n(&a->v, v, __ATOMIC_SEQ_CST);
}

/* Returns true and stores new if *a was old. */
static inline bool atomic_cmpxchg(atomic_t *a, long old, long new)
{
	return __atomic_compare_exchange_n(&a->v, &old, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/* x86 is TSO: loads are not reordered with loads, nor stores with stores,
 * so the one-sided barriers only need to stop the compiler. */
#define smp_rmb() barrier()
#define smp_wmb() barrier()
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

/* Bit operations on an array of unsigned long. */
static inline void set_bit(unsigned int nr, unsigned long *addr)
{
	__atomic_fetch_or(&addr[nr / 64], 1UL << (nr % 64), __ATOMIC_SEQ_CST);
}

static inline void clear_bit(unsigned int nr, unsigned long *addr)
{
	__atomic_fetch_and(&addr[nr / 64], ~(1UL << (nr % 64)), __ATOMIC_SEQ_CST);
}

static inline bool test_bit(unsigned int nr, const unsigned long *addr)
{
	return (__atomic_load_n(&addr[nr / 64], __ATOMIC_RELAXED) >> (nr % 64)) & 1;
}

static inline bool test_and_clear_bit(unsigned int nr, unsigned long *addr)
{
	unsigned long m = 1UL << (nr % 64);

	return (__atomic_fetch_and(&addr[nr / 64], ~m, __ATOMIC_SEQ_CST) & m) != 0;
}

static inline bool test_and_set_bit(unsigned int nr, unsigned long *addr)
{
	unsigned long m = 1UL << (nr % 64);

	return (__atomic_fetch_or(&addr[nr / 64], m, __ATOMIC_SEQ_CST) & m) != 0;
}

#endif
