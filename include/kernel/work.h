/* Deferred work: interrupt handlers queue a work item, and the idle loop
 * runs queued items with interrupts enabled. Watch callbacks and console
 * input handling run here, never in interrupt context. */
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
/* Idle loop body: run work, then halt until the next interrupt without
 * missing work queued in between. */
void idle_once(void);

#endif
