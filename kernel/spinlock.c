/* Ticket spinlocks with a pv-ops slow path, and the lock checker. */
#include <kernel/spinlock.h>
#include <kernel/smp.h>
#include <kernel/printk.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

/* Spins before a waiter asks the backend to block it. Under Xen a holder
 * whose vCPU was descheduled keeps the lock for a whole time slice
 * (milliseconds), so past a few microseconds blocking is cheaper. */
#define SPIN_THRESHOLD (1U << 11)

static atomic_t nr_contended, nr_slowpath, nr_kicks;
/* Waiters currently blocked in the backend; unlock only looks for someone
 * to kick when this is non-zero. */
static atomic_t nr_sleepers;

void spin_lock_init(spinlock_t *l, const char *name)
{
	*l = (spinlock_t)SPINLOCK_INIT(name);
}

static unsigned long caller_pc(void)
{
	return (unsigned long)__builtin_return_address(0);
}

static void check_acquire(spinlock_t *l, unsigned long pc)
{
	struct cpu *c;

	if (!IS_ENABLED(CONFIG_DEBUG_LOCKS) || !pv_ops)
		return;
	c = this_cpu();
	if (READ_ONCE(l->owner_cpu) == (int)c->id) {
		for (unsigned int d = 0; d < c->irq_depth && d < 4; d++)
			kprintf("lock checker: interrupt level %u came at rip %#lx, rflags %#lx\n",
				d + 1, c->irq_from_rip[d], c->irq_from_flags[d]);
		panic("lock checker: recursive acquisition of %s on CPU %u (held from %#lx, "
		      "again from %#lx)", l->name ? l->name : "?", c->id, l->owner_pc, pc);
	}
	/* A lock taken by an interrupt handler and, elsewhere, with
	 * interrupts on can deadlock against itself on one CPU. */
	if (c->irq_depth)
		l->used_in_irq = 1;
	else if (irqs_enabled())
		l->used_irqs_on = 1;
	if (l->used_in_irq && l->used_irqs_on)
		panic("lock checker: %s is taken in interrupt context and with interrupts "
		      "enabled (last from %#lx)", l->name ? l->name : "?", pc);
}

static void note_acquired(spinlock_t *l, unsigned long pc)
{
	if (!IS_ENABLED(CONFIG_DEBUG_LOCKS) || !pv_ops)
		return;
	l->owner_cpu = (int)this_cpu()->id;
	l->owner_pc = pc;
	this_cpu()->spin_depth++;
}

static void check_release(spinlock_t *l)
{
	struct cpu *c;

	if (!IS_ENABLED(CONFIG_DEBUG_LOCKS) || !pv_ops)
		return;
	c = this_cpu();
	if (l->owner_cpu != (int)c->id)
		panic("lock checker: CPU %u releases %s owned by CPU %d", c->id,
		      l->name ? l->name : "?", l->owner_cpu);
	l->owner_cpu = -1;
	c->spin_depth--;
}

static void lock_wait(spinlock_t *l, u16 ticket)
{
	const struct pv_lock_ops *ops = pv_ops ? pv_ops->lock : NULL;
	unsigned int spins = 0;

	atomic_inc(&nr_contended);
	while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != ticket) {
		cpu_relax();
		if (++spins < SPIN_THRESHOLD || !ops || !ops->wait)
			continue;
		atomic_inc(&nr_slowpath);
		atomic_inc(&nr_sleepers);
		ops->wait(l, ticket);
		atomic_dec(&nr_sleepers);
		spins = 0;
	}
}

static void lock_ticket(spinlock_t *l, unsigned long pc)
{
	u16 ticket;

	check_acquire(l, pc);
	ticket = __atomic_fetch_add(&l->tail, 1, __ATOMIC_ACQUIRE);
	if (unlikely(__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != ticket))
		lock_wait(l, ticket);
	note_acquired(l, pc);
}

void spin_lock(spinlock_t *l)
{
	lock_ticket(l, caller_pc());
}

bool spin_trylock(spinlock_t *l)
{
	u32 old = __atomic_load_n(&l->word, __ATOMIC_RELAXED);
	u16 head = (u16)old, tail = (u16)(old >> 16);

	if (head != tail)
		return false;
	/* A failed trylock cannot deadlock, so the checker only looks at
	 * successful ones. */
	if (!__atomic_compare_exchange_n(&l->word, &old, old + (1U << 16), false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	note_acquired(l, caller_pc());
	return true;
}

void spin_unlock(spinlock_t *l)
{
	const struct pv_lock_ops *ops;
	u16 next;

	check_release(l);
	next = (u16)(l->head + 1);
	__atomic_store_n(&l->head, next, __ATOMIC_RELEASE);
	ops = pv_ops ? pv_ops->lock : NULL;
	if (ops && ops->kick) {
		/* Pairs with the waiter's barrier between announcing itself
		 * and re-reading head: one of the two sees the other. */
		smp_mb();
		if (atomic_read(&nr_sleepers) && (u16)(l->tail - next) != 0) {
			atomic_inc(&nr_kicks);
			ops->kick(l, next);
		}
	}
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = pv_ops ? local_irq_save() : 0;

	lock_ticket(l, caller_pc());
	return flags;
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	if (pv_ops)
		local_irq_restore(flags);
}

bool spin_is_locked(const spinlock_t *l)
{
	u32 w = __atomic_load_n(&l->word, __ATOMIC_RELAXED);

	return (u16)w != (u16)(w >> 16);
}

void assert_spin_locked(const spinlock_t *l)
{
	if (!spin_is_locked(l))
		panic("%s is not locked", l->name ? l->name : "lock");
	if (IS_ENABLED(CONFIG_DEBUG_LOCKS) && l->owner_cpu != (int)this_cpu()->id)
		panic("%s is held by CPU %d, not this one", l->name ? l->name : "lock",
		      l->owner_cpu);
}

void spin_stats_read(struct spin_stats *s)
{
	s->contended = (unsigned long)atomic_read(&nr_contended);
	s->slowpath = (unsigned long)atomic_read(&nr_slowpath);
	s->kicks = (unsigned long)atomic_read(&nr_kicks);
}
