#ifndef DRIVERS_XEN_CONSOLE_RING_H
#define DRIVERS_XEN_CONSOLE_RING_H
/* The output side of a domU console ring (drivers/xen/console.c), apart
 * so that its self-tests can drive a ring of their own. */
#include <kernel/types.h>
#include <xen/interface/io/console.h>

struct cons_ring {
	struct xencons_interface *intf;
	unsigned int evtchn;          /* to notify; 0: nobody (self-tests) */
	u64 wait_ns;                  /* how long output waits for room */
	unsigned long wait_yields;    /* the same, before the clock runs */
	bool broken;                  /* an impossible index: disabled */
	bool stalled;                 /* a wait ran out: drop until the backend reads */
	unsigned long dropped;        /* bytes dropped, in total */
	unsigned long dropped_told;   /* of those, reported on the ring */
	unsigned long yields;         /* yields spent waiting, in total */
	/* Reports the ring's failure from inside a write, where printk's
	 * lock is held (the console: console_note_locked). */
	void (*report_locked)(const char *msg, size_t n);
};

/* Write n bytes (a newline goes out as CR LF), waiting for room within
 * the ring's bounds. Called under printk's lock, or by a self-test on a
 * ring nobody else uses. */
void cons_ring_write(struct cons_ring *r, const char *s, size_t n);

#endif
