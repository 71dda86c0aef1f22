/* Suspend and resume of a Xen guest (xl save / restore / migrate).
 * docs/lifecycle.md describes the whole sequence.
 *
 * Subsystems that hold state Xen or a backend knows about (event channel
 * ports, grant frames, the xenstore connection, devices) register a
 * struct xen_pm_hook. The suspend code (arch/x86/xen/suspend.c) runs the
 * hooks' suspend steps from the highest level down to the lowest and
 * their resume steps from the lowest level up, so that on resume the
 * event channel ABI exists before anyone binds a port, per-vCPU ports
 * before the clock needs its timer, the xenstore connection before the
 * devices talk to their backends.
 *
 * The phases, in the order they run:
 *   suspend         thread context on the boot CPU, others offline,
 *                   may sleep; -errno cancels the suspend (the hooks
 *                   already suspended are resumed with new_domain false)
 *   suspend_noirq   events off, just before the hypercall
 *   (SCHEDOP_shutdown(SHUTDOWN_suspend))
 *   resume_noirq    events off, right after it
 *   resume          thread context, events on, may sleep
 * Every step is optional. The resume steps learn whether the guest came
 * back in a new domain (every port, grant and watch is gone and must be
 * set up again) or the suspend was cancelled or only checkpointed (the
 * old domain runs on: keep everything). */
#ifndef XEN_SUSPEND_H
#define XEN_SUSPEND_H

#include <kernel/compiler.h>

enum xen_pm_level {
	XEN_PM_EVENTS = 10,     /* the event channel ABI */
	XEN_PM_CONSOLE = 15,    /* the console ring's event channel, early */
	XEN_PM_CPU = 20,        /* the boot vCPU's IPI, spinlock and timer ports */
	XEN_PM_TIME = 25,       /* the clock's offset and the timer queue */
	XEN_PM_GNTTAB = 30,     /* grant frames */
	XEN_PM_XENSTORE = 50,   /* the xenstore connection and its watches */
	XEN_PM_CONTROL = 60,    /* control/ and the suspend event channel */
	XEN_PM_DEVICES = 70,    /* xenbus frontends */
};

/* What the domain builder or the restore gave the resumed guest. */
struct xen_resume_info {
	bool new_domain;
	unsigned int console_evtchn;   /* 0: none */
	unsigned int store_evtchn;     /* 0: none */
};

struct xen_pm_hook {
	const char *name;
	enum xen_pm_level level;
	int (*suspend)(void);
	void (*suspend_noirq)(void);
	void (*resume_noirq)(const struct xen_resume_info *ri);
	void (*resume)(const struct xen_resume_info *ri);
	struct xen_pm_hook *next;      /* private to suspend.c */
};

/* Add h to the ordered list (once, before the first suspend can start;
 * it stays registered). Safe from any thread. */
void xen_pm_register(struct xen_pm_hook *h);

/* Suspend this guest for the toolstack and come back: 0 resumed in a new
 * domain, 1 cancelled or checkpointed (same domain), -errno nothing
 * happened (the guest runs on as before). Thread context; sleeps; one at
 * a time (-EBUSY otherwise). */
int xen_suspend(void);

/* Counters for the monitor and the self-tests. */
struct xen_suspend_stats {
	unsigned long suspends, resumed_new, cancelled, failed;
	u64 last_down_ns;              /* clock time spent suspended, last time */
};
void xen_suspend_get_stats(struct xen_suspend_stats *st);

#endif
