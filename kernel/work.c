#include <kernel/work.h>
#include <asm/paravirt.h>

static struct work *head, **tail = &head;

void schedule_work(struct work *w)
{
	unsigned long flags = local_irq_save();

	if (!w->queued) {
		w->queued = true;
		w->next = NULL;
		*tail = w;
		tail = &w->next;
	}
	local_irq_restore(flags);
}

bool work_pending(void)
{
	return READ_ONCE(head) != NULL;
}

void run_pending_work(void)
{
	for (;;) {
		unsigned long flags = local_irq_save();
		struct work *w = head;

		if (w) {
			head = w->next;
			if (!head)
				tail = &head;
			w->queued = false;
		}
		local_irq_restore(flags);
		if (!w)
			return;
		w->fn(w);
	}
}

void idle_once(void)
{
	run_pending_work();
	local_irq_disable();
	if (work_pending()) {
		local_irq_enable();
		return;
	}
	/* Enables interrupts and halts atomically: an interrupt that queues
	 * work after the check above still ends the halt. */
	pv_ops->cpu->safe_halt();
}
