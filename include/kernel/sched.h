/* Kernel threads, the scheduler, and the ways a thread waits: wait queues,
 * completions, mutexes and sleeps with a timeout.
 *
 * The scheduler is cooperative (docs/sched.md says why): a thread runs
 * until it blocks, yields or exits; interrupt and event handlers only wake
 * threads. Each CPU has its own run queue; a thread stays on the CPU it
 * was created on unless hotplug moves it. */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/compiler.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>

#define THREAD_STACK_PAGES 4
#define THREAD_NAME_MAX 16
#define TIMEOUT_FOREVER (~0ULL)
#define CPU_ANY (-1)

enum thread_state {
	THREAD_RUNNABLE,
	THREAD_BLOCKED,
	THREAD_DEAD,
};

struct wait_entry {
	struct thread *thread;
	struct wait_entry *next;
	bool woken;
};

struct waitqueue {
	spinlock_t lock;
	struct wait_entry *head;
};

#define WAITQUEUE_INIT(n) { .lock = SPINLOCK_INIT(n), .head = NULL }
#define DEFINE_WAITQUEUE(x) struct waitqueue x = WAITQUEUE_INIT(#x)

struct completion {
	struct waitqueue wq;
	unsigned long done;
};

struct thread {
	unsigned long sp;            /* saved stack pointer while switched out */
	void *stack;
	int state;                   /* enum thread_state */
	unsigned int cpu;            /* run queue it belongs to */
	bool on_rq;
	bool off_cpu;                /* set once a dead thread left its stack */
	bool detached;
	bool is_idle;
	bool requeue_elsewhere;      /* left a CPU going offline */
	struct thread *rq_next;
	struct thread *all_next;
	int (*fn)(void *arg);
	void *arg;
	int exit_code;
	struct completion exited;
	struct timer wake_timer;
	unsigned long id;
	unsigned long switches;
	char name[THREAD_NAME_MAX];
};

/* Create a thread running fn(arg) on cpu (or CPU_ANY). It starts runnable.
 * Returns NULL when out of memory or cpu is offline. */
struct thread *thread_create(const char *name, int (*fn)(void *arg), void *arg, int cpu);
/* Wait for t to exit, free it, and return its exit code. */
int thread_join(struct thread *t);
/* Nobody will join t: it is freed when it exits. */
void thread_detach(struct thread *t);
void __noreturn thread_exit(int code);
struct thread *current_thread(void);

void sched_init(void);
/* On a secondary CPU: the stack it started on becomes its idle thread. */
void sched_init_secondary(void *stack_base);
/* The boot CPU's (or a secondary's) context becomes its idle thread. */
void __noreturn cpu_idle_loop(void);
void schedule(void);
void yield(void);
/* Yield if another thread is waiting for this CPU. */
void cond_resched(void);
void thread_wake(struct thread *t);
/* Block the current thread until woken or until clock_ns() reaches
 * deadline; true if woken before the deadline. The caller has already
 * marked itself blocked (prepare_to_wait). */
bool schedule_until(u64 deadline_ns);
void sleep_ns(u64 ns);
void sleep_until(u64 deadline_ns);
/* Panic (lock checker) if the caller may not block here. */
void might_sleep(void);
bool sched_running(void);
/* Move a thread that is not running to another CPU (hotplug). */
int thread_migrate(struct thread *t, unsigned int cpu);
/* Move every thread off cpu (which must be the calling CPU's target of
 * offlining, and not running any of them). */
void sched_evacuate_cpu(unsigned int cpu, unsigned int to);
unsigned int sched_nr_threads(void);
void sched_show_threads(void);
void sched_show_cpus(void);

void waitqueue_init(struct waitqueue *wq, const char *name);
void prepare_to_wait(struct waitqueue *wq, struct wait_entry *w);
void finish_wait(struct waitqueue *wq, struct wait_entry *w);
/* Wake every waiter / the first waiter. Safe from interrupt context. */
void wake_up(struct waitqueue *wq);
void wake_up_one(struct waitqueue *wq);

static inline u64 deadline_after(u64 timeout_ns)
{
	u64 now = clock_ns();

	return timeout_ns >= TIMEOUT_FOREVER - now ? TIMEOUT_FOREVER : now + timeout_ns;
}

/* Block until cond is true or timeout_ns passes; evaluates to cond's final
 * value. cond is re-evaluated after every wake-up. */
#define wait_event_timeout(wq, cond, timeout_ns)                                 \
	({                                                                       \
		u64 __dl = deadline_after(timeout_ns);                           \
		struct wait_entry __we = { 0 };                                          \
		bool __ok;                                                       \
		for (;;) {                                                       \
			prepare_to_wait(&(wq), &__we);                           \
			if ((__ok = (cond)))                                     \
				break;                                           \
			if (!schedule_until(__dl)) {                             \
				__ok = (cond);                                   \
				break;                                           \
			}                                                        \
		}                                                                \
		finish_wait(&(wq), &__we);                                       \
		__ok;                                                            \
	})

#define wait_event(wq, cond) ((void)wait_event_timeout(wq, cond, TIMEOUT_FOREVER))

/* ---- completions ---- */
#define COMPLETION_INIT(n) { .wq = WAITQUEUE_INIT(n), .done = 0 }
void completion_init(struct completion *c);
void complete(struct completion *c);
void complete_all(struct completion *c);
void wait_for_completion(struct completion *c);
/* true if completed, false on timeout. */
bool wait_for_completion_timeout(struct completion *c, u64 timeout_ns);
bool completion_done(struct completion *c);
void reinit_completion(struct completion *c);

/* ---- mutexes (sleeping locks; never from interrupt context) ---- */
struct mutex {
	spinlock_t lock;
	struct thread *owner;
	struct waitqueue wq;
	const char *name;
};

#define MUTEX_INIT(n) { .lock = SPINLOCK_INIT(n), .owner = NULL, .wq = WAITQUEUE_INIT(n), .name = n }
#define DEFINE_MUTEX(x) struct mutex x = MUTEX_INIT(#x)
void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
/* true if acquired, false on timeout. */
bool mutex_lock_timeout(struct mutex *m, u64 timeout_ns);
void mutex_unlock(struct mutex *m);
bool mutex_is_held_by_me(const struct mutex *m);

#endif
