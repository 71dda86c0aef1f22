/* Deferred work: interrupt handlers and threads queue a work item, and the
 * "kworker" thread runs queued items in order, in thread context, where
 * they may block. Locking: work_lock (irqsave) protects the queue; it is a
 * leaf lock and items run without it. */
#include <kernel/work.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/printk.h>

static struct work *head, **tail = &head;
static DEFINE_SPINLOCK(work_lock);
static DEFINE_WAITQUEUE(work_wq);

void schedule_work(struct work *w)
{
	unsigned long flags = spin_lock_irqsave(&work_lock);
	bool queued = false;

	if (!w->queued) {
		w->queued = true;
		w->next = NULL;
		*tail = w;
		tail = &w->next;
		queued = true;
	}
	spin_unlock_irqrestore(&work_lock, flags);
	if (queued)
		wake_up(&work_wq);
}

bool work_pending(void)
{
	return READ_ONCE(head) != NULL;
}

void run_pending_work(void)
{
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&work_lock);
		struct work *w = head;

		if (w) {
			head = w->next;
			if (!head)
				tail = &head;
			w->queued = false;
		}
		spin_unlock_irqrestore(&work_lock, flags);
		if (!w)
			return;
		w->fn(w);
	}
}

static int worker_fn(void *arg)
{
	for (;;) {
		wait_event(work_wq, work_pending());
		run_pending_work();
	}
	return 0;
}

void work_init(void)
{
	struct thread *t = thread_create("kworker", worker_fn, NULL, 0);

	if (!t)
		panic("work: cannot start the kworker thread");
	thread_detach(t);
}
