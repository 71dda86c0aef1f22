/* Deferred work: interrupt handlers and threads queue a work item; the
 * kworker thread runs it in thread context, where it may block. */
#ifndef KERNEL_WORK_H
#define KERNEL_WORK_H

#include <kernel/compiler.h>

struct work {
	void (*fn)(struct work *w);
	struct work *next;
	bool queued;
};

#define WORK_INIT(func) { .fn = (func), .next = NULL, .queued = false }

/* Queue w unless already queued; safe from interrupt context. */
void schedule_work(struct work *w);
bool work_pending(void);
/* Run everything queued (including items queued meanwhile). */
void run_pending_work(void);
/* Start the kworker thread (once the scheduler runs). */
void work_init(void);

#endif
