/* Kernel threads and the cooperative per-CPU scheduler.
 *
 * Locking: each CPU's run queue has a spinlock (irqsave) protecting its
 * list, its current thread and the state of every thread that belongs to
 * it. schedule() takes it, switches stacks with it held, and the thread
 * switched to releases it. Lock order: waitqueue lock -> run-queue lock;
 * threads_lock is a leaf. */
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/mm.h>
#include <kernel/errno.h>
#include <kernel/stats.h>
#include <asm/paravirt.h>
#include <asm/traps.h>
#include <asm/processor.h>

#define STACK_CANARY 0x5843414e41525921ULL /* stack bottom marker */

struct runqueue {
	spinlock_t lock;
	struct thread *head, *tail;
	unsigned int nr;
	struct thread *idle;
	struct thread *prev;       /* the thread switched away from */
	unsigned long switches;
};

static struct runqueue runqueues[NR_CPUS];
static struct thread idle_threads[NR_CPUS];
static DEFINE_SPINLOCK(threads_lock);
static struct thread *all_threads;
static unsigned int nr_threads;
static unsigned long next_thread_id = 1;
static atomic_t next_cpu;
static bool running;

/* arch/x86/kernel/switch_64.S */
void switch_stack(unsigned long *save_sp, unsigned long new_sp);
void thread_trampoline(void);
void __noreturn thread_entry(struct thread *t);

bool sched_running(void)
{
	return running;
}

struct thread *current_thread(void)
{
	return this_cpu()->current;
}

void might_sleep(void)
{
	struct cpu *c;

	if (!IS_ENABLED(CONFIG_DEBUG_LOCKS))
		return;
	c = this_cpu();
	if (c->irq_depth)
		panic("lock checker: blocking call in interrupt context");
	if (c->spin_depth)
		panic("lock checker: blocking call with %u spinlock(s) held", c->spin_depth);
}

static void rq_enqueue(struct runqueue *rq, struct thread *t)
{
	t->rq_next = NULL;
	if (rq->tail)
		rq->tail->rq_next = t;
	else
		rq->head = t;
	rq->tail = t;
	rq->nr++;
	t->on_rq = true;
}

static struct thread *rq_dequeue(struct runqueue *rq)
{
	struct thread *t = rq->head;

	if (!t)
		return NULL;
	rq->head = t->rq_next;
	if (!rq->head)
		rq->tail = NULL;
	rq->nr--;
	t->on_rq = false;
	return t;
}

static void rq_remove(struct runqueue *rq, struct thread *t)
{
	struct thread *prev = NULL;

	for (struct thread *p = rq->head; p; prev = p, p = p->rq_next) {
		if (p != t)
			continue;
		if (prev)
			prev->rq_next = t->rq_next;
		else
			rq->head = t->rq_next;
		if (rq->tail == t)
			rq->tail = prev;
		rq->nr--;
		t->on_rq = false;
		return;
	}
}

/* Runs on the thread just switched to, with the run-queue lock held and
 * interrupts off: releases the lock and tidies up after the previous
 * thread. Returns a dead detached thread to free, if any. */
static void requeue_on(struct thread *t, unsigned int cpu);

static struct thread *finish_switch(void)
{
	struct runqueue *rq = &runqueues[smp_processor_id()];
	struct thread *prev = rq->prev, *reap = NULL, *move = NULL;

	rq->prev = NULL;
	if (prev && prev->state == THREAD_DEAD) {
		smp_store_release(&prev->off_cpu, true);
		if (prev->detached)
			reap = prev;
	}
	if (prev && prev->requeue_elsewhere) {
		prev->requeue_elsewhere = false;
		move = prev;
	}
	spin_unlock(&rq->lock);
	if (move)
		requeue_on(move, 0);
	return reap;
}

static void free_thread(struct thread *t)
{
	free_pages(t->stack, THREAD_STACK_PAGES);
	kfree(t);
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = &runqueues[c->id];
	struct thread *prev = c->current, *next, *reap;
	unsigned long flags;

	if (IS_ENABLED(CONFIG_DEBUG_LOCKS) && (c->irq_depth || c->spin_depth))
		panic("schedule() in interrupt context or with %u spinlock(s) held",
		      c->spin_depth);
	if (*(u64 *)prev->stack != STACK_CANARY)
		panic("stack overflow in thread %s", prev->name);
	flags = spin_lock_irqsave(&rq->lock);
	if (unlikely(READ_ONCE(c->going_offline)) && !prev->is_idle) {
		/* The CPU is being taken offline: hand the CPU to the idle
		 * thread, which moves everything away; prev follows the
		 * others once it is off this stack (finish_switch). */
		if (prev->state == THREAD_RUNNABLE && !prev->on_rq)
			prev->requeue_elsewhere = true;
		next = rq->idle;
	} else {
		if (prev->state == THREAD_RUNNABLE && !prev->is_idle && !prev->on_rq)
			rq_enqueue(rq, prev);
		next = rq_dequeue(rq);
		if (!next)
			next = rq->idle;
	}
	c->need_resched = false;
	if (next == prev) {
		spin_unlock_irqrestore(&rq->lock, flags);
		return;
	}
	rq->prev = prev;
	rq->switches++;
	next->switches++;
	next->cpu = c->id;
	c->current = next;
	switch_stack(&prev->sp, next->sp);
	/* Back on prev's stack, possibly on another CPU after hotplug. */
	reap = finish_switch();
	local_irq_restore(flags);
	if (reap)
		free_thread(reap);
}

void __noreturn thread_entry(struct thread *t)
{
	struct thread *reap = finish_switch();

	local_irq_enable();
	if (reap)
		free_thread(reap);
	thread_exit(t->fn(t->arg));
}

void yield(void)
{
	schedule();
}

void cond_resched(void)
{
	struct cpu *c = this_cpu();

	if (READ_ONCE(runqueues[c->id].nr) || c->need_resched)
		schedule();
}

void thread_wake(struct thread *t)
{
	unsigned long flags;
	struct runqueue *rq;
	unsigned int cpu;
	bool kick = false;

	for (;;) {
		cpu = READ_ONCE(t->cpu);
		rq = &runqueues[cpu];
		flags = spin_lock_irqsave(&rq->lock);
		if (t->cpu == cpu)
			break;
		/* Migrated meanwhile: follow it. */
		spin_unlock_irqrestore(&rq->lock, flags);
	}
	if (t->state == THREAD_BLOCKED) {
		t->state = THREAD_RUNNABLE;
		if (cpu_data[cpu].current != t && !t->on_rq) {
			rq_enqueue(rq, t);
			cpu_data[cpu].need_resched = true;
			kick = cpu != smp_processor_id() && cpu_data[cpu].current == rq->idle;
		}
	}
	spin_unlock_irqrestore(&rq->lock, flags);
	if (kick)
		smp_send_reschedule(cpu);
}

static void wake_timer_fn(struct timer *tm)
{
	thread_wake(container_of(tm, struct thread, wake_timer));
}

bool schedule_until(u64 deadline_ns)
{
	struct thread *t = current_thread();

	might_sleep();
	if (deadline_ns != TIMEOUT_FOREVER) {
		if (clock_ns() >= deadline_ns) {
			WRITE_ONCE(t->state, THREAD_RUNNABLE);
			return false;
		}
		timer_add(&t->wake_timer, deadline_ns, wake_timer_fn);
	}
	schedule();
	if (deadline_ns != TIMEOUT_FOREVER) {
		timer_cancel(&t->wake_timer);
		return clock_ns() < deadline_ns;
	}
	return true;
}

void sleep_until(u64 deadline_ns)
{
	struct thread *t = current_thread();

	while (clock_ns() < deadline_ns) {
		__atomic_store_n(&t->state, THREAD_BLOCKED, __ATOMIC_SEQ_CST);
		schedule_until(deadline_ns);
		WRITE_ONCE(t->state, THREAD_RUNNABLE);
	}
}

void sleep_ns(u64 ns)
{
	sleep_until(deadline_after(ns));
}

static unsigned int pick_cpu(void)
{
	for (unsigned int tries = 0; tries < NR_CPUS; tries++) {
		unsigned int cpu = (unsigned int)atomic_fetch_add(&next_cpu, 1) % NR_CPUS;

		if (cpu_online(cpu))
			return cpu;
	}
	return 0;
}

struct thread *thread_create(const char *name, int (*fn)(void *arg), void *arg, int cpu)
{
	struct thread *t;
	unsigned long *sp, flags;
	struct runqueue *rq;

	if (cpu == CPU_ANY)
		cpu = (int)pick_cpu();
	if (cpu < 0 || !cpu_online((unsigned int)cpu))
		return NULL;
	t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->stack = alloc_pages(THREAD_STACK_PAGES);
	if (!t->stack) {
		kfree(t);
		return NULL;
	}
	*(u64 *)t->stack = STACK_CANARY;
	strlcpy(t->name, name, sizeof(t->name));
	t->fn = fn;
	t->arg = arg;
	t->cpu = (unsigned int)cpu;
	t->state = THREAD_RUNNABLE;
	completion_init(&t->exited);
	/* The first switch pops six callee-saved registers (r12 carries the
	 * thread) and returns into thread_trampoline. */
	sp = (unsigned long *)((char *)t->stack + THREAD_STACK_PAGES * PAGE_SIZE);
	*--sp = 0;
	*--sp = (unsigned long)thread_trampoline;
	*--sp = 0;                  /* rbp */
	*--sp = 0;                  /* rbx */
	*--sp = (unsigned long)t;   /* r12 */
	*--sp = 0;                  /* r13 */
	*--sp = 0;                  /* r14 */
	*--sp = 0;                  /* r15 */
	t->sp = (unsigned long)sp;

	flags = spin_lock_irqsave(&threads_lock);
	t->id = next_thread_id++;
	t->all_next = all_threads;
	all_threads = t;
	nr_threads++;
	spin_unlock_irqrestore(&threads_lock, flags);

	rq = &runqueues[cpu];
	flags = spin_lock_irqsave(&rq->lock);
	rq_enqueue(rq, t);
	spin_unlock_irqrestore(&rq->lock, flags);
	if ((unsigned int)cpu != smp_processor_id())
		smp_send_reschedule((unsigned int)cpu);
	return t;
}

static void unlist_thread(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&threads_lock);

	for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next) {
		if (*pp == t) {
			*pp = t->all_next;
			nr_threads--;
			break;
		}
	}
	spin_unlock_irqrestore(&threads_lock, flags);
}

void __noreturn thread_exit(int code)
{
	struct thread *t = current_thread();

	if (t->is_idle)
		panic("the idle thread cannot exit");
	unlist_thread(t);
	t->exit_code = code;
	/* Dead before the joiner can see the completion: schedule() then
	 * never puts us back on the run queue. */
	__atomic_store_n(&t->state, THREAD_DEAD, __ATOMIC_SEQ_CST);
	complete_all(&t->exited);
	schedule();
	panic("dead thread %s scheduled", t->name);
}

int thread_join(struct thread *t)
{
	int code;

	wait_for_completion(&t->exited);
	/* The thread may still be on its stack on another CPU. */
	while (!smp_load_acquire(&t->off_cpu))
		cpu_relax();
	code = t->exit_code;
	free_thread(t);
	return code;
}

void thread_detach(struct thread *t)
{
	unsigned long flags;
	struct runqueue *rq = &runqueues[READ_ONCE(t->cpu)];
	bool dead;

	flags = spin_lock_irqsave(&rq->lock);
	dead = t->state == THREAD_DEAD && t->off_cpu;
	t->detached = true;
	spin_unlock_irqrestore(&rq->lock, flags);
	if (dead)
		free_thread(t);
}

/* A runnable thread that is on no run queue (it just left a CPU going
 * offline) joins cpu's queue. */
static void requeue_on(struct thread *t, unsigned int cpu)
{
	struct runqueue *rq = &runqueues[cpu];
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	WRITE_ONCE(t->cpu, cpu);
	if (t->state == THREAD_RUNNABLE && !t->on_rq)
		rq_enqueue(rq, t);
	cpu_data[cpu].need_resched = true;
	spin_unlock_irqrestore(&rq->lock, flags);
	smp_send_reschedule(cpu);
}

int thread_migrate(struct thread *t, unsigned int cpu)
{
	struct runqueue *from, *to;
	unsigned int old;
	unsigned long flags;

	if (!cpu_online(cpu) || t->is_idle)
		return -EINVAL;
	flags = local_irq_save();
	old = READ_ONCE(t->cpu);
	from = &runqueues[old];
	to = &runqueues[cpu];
	if (from == to) {
		local_irq_restore(flags);
		return 0;
	}
	/* Lock order between run queues: lower CPU number first. */
	spin_lock(old < cpu ? &from->lock : &to->lock);
	spin_lock(old < cpu ? &to->lock : &from->lock);
	if (t->cpu != old || cpu_data[old].current == t || t->state == THREAD_DEAD) {
		spin_unlock(&to->lock);
		spin_unlock(&from->lock);
		local_irq_restore(flags);
		return -EBUSY;
	}
	if (t->on_rq) {
		rq_remove(from, t);
		rq_enqueue(to, t);
	}
	WRITE_ONCE(t->cpu, cpu);
	spin_unlock(&to->lock);
	spin_unlock(&from->lock);
	local_irq_restore(flags);
	if (t->on_rq)
		smp_send_reschedule(cpu);
	return 0;
}

void sched_evacuate_cpu(unsigned int cpu, unsigned int to)
{
	unsigned long flags;
	struct thread *batch[64];
	unsigned int n;

	do {
		n = 0;
		flags = spin_lock_irqsave(&threads_lock);
		for (struct thread *t = all_threads; t && n < ARRAY_SIZE(batch); t = t->all_next)
			if (READ_ONCE(t->cpu) == cpu && cpu_data[cpu].current != t)
				batch[n++] = t;
		spin_unlock_irqrestore(&threads_lock, flags);
		for (unsigned int i = 0; i < n; i++)
			thread_migrate(batch[i], to);
	} while (n == ARRAY_SIZE(batch));
}

unsigned int sched_nr_threads(void)
{
	return READ_ONCE(nr_threads);
}

void sched_show_cpus(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		kprintf("  cpu%u: current %s, %u runnable, need_resched %d, %lu switches\n", cpu,
			cpu_data[cpu].current ? cpu_data[cpu].current->name : "-",
			READ_ONCE(runqueues[cpu].nr), cpu_data[cpu].need_resched,
			runqueues[cpu].switches);
}

void sched_show_threads(void)
{
	static const char *const states[] = { "run", "wait", "dead" };
	unsigned long flags = spin_lock_irqsave(&threads_lock);

	kprintf("  %-4s %-16s %-4s %-5s %-5s %s\n", "id", "name", "cpu", "state", "on_rq",
		"switches");
	for (struct thread *t = all_threads; t; t = t->all_next)
		kprintf("  %-4lu %-16s %-4u %-5s %-5d %lu\n", t->id, t->name, t->cpu,
			states[t->state % 3], t->on_rq, t->switches);
	spin_unlock_irqrestore(&threads_lock, flags);
}

/* The calling context (boot stack, or a secondary CPU's start stack)
 * becomes this CPU's idle thread. */
static void make_idle_thread(struct cpu *c, void *stack_base)
{
	struct thread *t = &idle_threads[c->id];
	struct runqueue *rq = &runqueues[c->id];

	t->stack = stack_base;
	*(u64 *)stack_base = STACK_CANARY;
	snprintf(t->name, sizeof(t->name), "idle/%u", c->id);
	t->cpu = c->id;
	t->is_idle = true;
	t->state = THREAD_RUNNABLE;
	spin_lock_init(&rq->lock, "runqueue");
	rq->idle = t;
	c->current = t;
}

extern char boot_stack[];

void sched_init(void)
{
	make_idle_thread(this_cpu(), boot_stack);
	running = true;
}

void sched_init_secondary(void *stack_base)
{
	make_idle_thread(this_cpu(), stack_base);
}

void __noreturn cpu_idle_loop(void)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = &runqueues[c->id];

	for (;;) {
		if (READ_ONCE(c->going_offline))
			smp_cpu_offline_self();
		local_irq_disable();
		if (READ_ONCE(rq->nr) || c->need_resched) {
			local_irq_enable();
			schedule();
			continue;
		}
		/* Console output held back on the way here goes out now, a
		 * piece at a time, with a look at the run queue in between. */
		if (console_drain()) {
			local_irq_enable();
			cpu_relax();
			continue;
		}
		if (READ_ONCE(idle_check_on))
			idle_check();
		/* Enables interrupts and halts atomically: a wake-up that
		 * queues a thread after the check above still ends the halt
		 * (a remote one sends a reschedule IPI). */
		pv_ops->cpu->safe_halt();
	}
}

/* ---- wait queues ---- */

void waitqueue_init(struct waitqueue *wq, const char *name)
{
	spin_lock_init(&wq->lock, name);
	wq->head = NULL;
}

void prepare_to_wait(struct waitqueue *wq, struct wait_entry *w)
{
	struct thread *t = current_thread();
	unsigned long flags;

	might_sleep();
	flags = spin_lock_irqsave(&wq->lock);
	/* The first call lists the entry; it stays listed until finish_wait,
	 * and each later call makes it eligible for wake_up_one again. */
	if (!w->thread) {
		w->thread = t;
		w->next = wq->head;
		wq->head = w;
	}
	w->woken = false;
	/* Blocked before the caller tests its condition: a waker that
	 * changes the condition afterwards sees us blocked and wakes us. */
	__atomic_store_n(&t->state, THREAD_BLOCKED, __ATOMIC_SEQ_CST);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void finish_wait(struct waitqueue *wq, struct wait_entry *w)
{
	struct thread *t = current_thread();
	unsigned long flags;

	WRITE_ONCE(t->state, THREAD_RUNNABLE);
	flags = spin_lock_irqsave(&wq->lock);
	for (struct wait_entry **pp = &wq->head; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	w->thread = NULL;
}

/* Called with wq->lock held. */
static void wake_locked(struct waitqueue *wq, bool one)
{
	/* Entries are pushed at the head: wake the oldest first for one. */
	if (one) {
		struct wait_entry *pick = NULL;

		for (struct wait_entry *e = wq->head; e; e = e->next)
			if (!e->woken)
				pick = e;
		if (pick) {
			pick->woken = true;
			thread_wake(pick->thread);
		}
	} else {
		for (struct wait_entry *e = wq->head; e; e = e->next) {
			e->woken = true;
			thread_wake(e->thread);
		}
	}
}

static void wake_common(struct waitqueue *wq, bool one)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	wake_locked(wq, one);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void wake_up(struct waitqueue *wq)
{
	wake_common(wq, false);
}

void wake_up_one(struct waitqueue *wq)
{
	wake_common(wq, true);
}

/* ---- completions ---- */

void completion_init(struct completion *c)
{
	waitqueue_init(&c->wq, "completion");
	c->done = 0;
}

void reinit_completion(struct completion *c)
{
	WRITE_ONCE(c->done, 0);
}

void complete(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);

	/* Count and wake under one hold of the lock: once it is dropped, a
	 * waiter on another CPU may consume the count, return and free the
	 * completion (often on its stack), so it must not be touched again. */
	if (c->done != ~0UL)
		c->done++;
	wake_locked(&c->wq, true);
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

void complete_all(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);

	c->done = ~0UL;
	wake_locked(&c->wq, false);
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

static bool try_consume(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);
	bool ok = c->done != 0;

	if (ok && c->done != ~0UL)
		c->done--;
	spin_unlock_irqrestore(&c->wq.lock, flags);
	return ok;
}

bool wait_for_completion_timeout(struct completion *c, u64 timeout_ns)
{
	return wait_event_timeout(c->wq, try_consume(c), timeout_ns);
}

void wait_for_completion(struct completion *c)
{
	wait_event(c->wq, try_consume(c));
}

bool completion_done(struct completion *c)
{
	return READ_ONCE(c->done) != 0;
}

/* ---- mutexes ---- */

void mutex_init(struct mutex *m, const char *name)
{
	spin_lock_init(&m->lock, name);
	waitqueue_init(&m->wq, name);
	m->owner = NULL;
	m->name = name;
}

bool mutex_trylock(struct mutex *m)
{
	struct thread *me = current_thread();
	unsigned long flags = spin_lock_irqsave(&m->lock);
	bool ok = m->owner == NULL;

	if (IS_ENABLED(CONFIG_DEBUG_LOCKS) && m->owner == me)
		panic("lock checker: recursive mutex_lock of %s by %s", m->name, me->name);
	if (ok)
		m->owner = me;
	spin_unlock_irqrestore(&m->lock, flags);
	return ok;
}

bool mutex_lock_timeout(struct mutex *m, u64 timeout_ns)
{
	might_sleep();
	if (mutex_trylock(m))
		return true;
	return wait_event_timeout(m->wq, mutex_trylock(m), timeout_ns);
}

void mutex_lock(struct mutex *m)
{
	mutex_lock_timeout(m, TIMEOUT_FOREVER);
}

void mutex_unlock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->lock);

	if (IS_ENABLED(CONFIG_DEBUG_LOCKS) && m->owner != current_thread())
		panic("lock checker: %s unlocks mutex %s it does not hold", current_thread()->name,
		      m->name);
	m->owner = NULL;
	spin_unlock_irqrestore(&m->lock, flags);
	wake_up_one(&m->wq);
}

bool mutex_is_held_by_me(const struct mutex *m)
{
	return READ_ONCE(m->owner) == current_thread();
}
