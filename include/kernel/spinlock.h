/* Spinlocks: fair ticket locks. Waiters spin a bounded time and then call
 * the pv-ops lock group, which natively keeps spinning and under Xen
 * blocks the vCPU on an event channel (SCHEDOP_poll) until the holder's
 * unlock kicks it, so a waiter does not burn its time slice while the
 * holder's vCPU is descheduled.
 *
 * The _irqsave variants also disable interrupts (events) and must be used
 * for any lock an interrupt handler takes. With CONFIG_DEBUG_LOCKS a lock
 * checker records the owner and catches recursion, unlocks by a non-owner,
 * and a lock taken both in interrupt context and with interrupts enabled.
 * docs/locking.md lists every lock and the lock order. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <kernel/compiler.h>

typedef struct spinlock {
	union {
		u32 word;
		struct {
			u16 head;   /* ticket now served */
			u16 tail;   /* next ticket to hand out */
		};
	};
	/* Lock checker state (CONFIG_DEBUG_LOCKS). */
	const char *name;
	int owner_cpu;              /* -1 when free */
	unsigned long owner_pc;
	u8 used_in_irq, used_irqs_on;
} spinlock_t;

#define SPINLOCK_INIT(lname) { .word = 0, .name = (lname), .owner_cpu = -1 }
#define DEFINE_SPINLOCK(x) spinlock_t x = SPINLOCK_INIT(#x)

void spin_lock_init(spinlock_t *l, const char *name);
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
bool spin_trylock(spinlock_t *l);
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);
bool spin_is_locked(const spinlock_t *l);
/* Debug builds: panic unless this CPU holds l. */
void assert_spin_locked(const spinlock_t *l);

/* Counters for the monitor and benchmarks. */
struct spin_stats {
	unsigned long contended;    /* acquisitions that had to wait */
	unsigned long slowpath;     /* waits that blocked through pv-ops */
	unsigned long kicks;        /* unlocks that woke a blocked waiter */
};
void spin_stats_read(struct spin_stats *s);

/* Backend hooks (pv_ops->lock): wait_slow blocks until l->head may have
 * reached ticket (spurious returns are fine); kick wakes CPUs waiting for
 * l to reach ticket. */
void spin_slowpath_wake(spinlock_t *l, u16 ticket);

#endif
