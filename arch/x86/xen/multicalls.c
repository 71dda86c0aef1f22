/* Batching for Xen PV. Calls are queued as multicall entries and
 * page-table updates as mmu_update requests; one flush issues them all in
 * a single multicall hypercall and checks every result.
 *
 * Order is what the caller queued: consecutive mmu_updates share one
 * multicall entry, and a run of them is closed into its entry as soon as
 * any other call is queued after it, so an update_va_mapping queued after
 * a PTE write sees that write (and the reverse).
 *
 * While a batch is open, events are disabled: an event handler that
 * queued or flushed page-table updates of its own in the middle of a batch
 * would interleave with it or issue half of it early. All batch state is
 * in one struct so it can become per-CPU. */
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/stats.h>
#include <kernel/smp.h>
#include <kernel/mm.h>

#define MC_MAX 32
#define MMU_MAX 128

struct xen_mc_batch {
	struct multicall_entry mc[MC_MAX];
	unsigned int nr_mc;
	struct mmu_update mmu[MMU_MAX];
	unsigned int nr_mmu;        /* requests queued in mmu[] */
	unsigned int mmu_run;       /* first request not yet in an mc[] entry */
	unsigned int depth;         /* open xen_mc_batch_begin()s */
	unsigned long saved_flags;  /* event mask before the outermost begin */
};

/* One batch per CPU: a batch runs with events off on its CPU, and the
 * scheduler is cooperative, so nothing else touches it meanwhile. The boot
 * CPU's is static; the others' (4 KiB each) are allocated when their CPU
 * is first started (xen_mc_cpu_init()), so the image does not carry one
 * for each of NR_CPUS possible CPUs (a quarter of a MiB, which small
 * guests feel; docs/boot.md). */
static struct xen_mc_batch boot_mc_batch;
static struct xen_mc_batch *mc_batches[NR_CPUS];

static struct xen_mc_batch *this_batch(void)
{
	struct xen_mc_batch *b = mc_batches[smp_processor_id()];

	return b ? b : &boot_mc_batch;
}

int xen_mc_cpu_init(unsigned int cpu)
{
	struct xen_mc_batch *b;

	if (cpu == 0 || cpu >= NR_CPUS || mc_batches[cpu])
		return 0;
	b = kzalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	mc_batches[cpu] = b;
	return 0;
}

static bool mmu_run_open(const struct xen_mc_batch *b)
{
	return b->mmu_run != b->nr_mmu;
}

/* Turn the open run of mmu_updates into a multicall entry. The caller
 * made sure an mc[] slot is free (an open run always leaves one). */
static void close_mmu_run(struct xen_mc_batch *b)
{
	struct multicall_entry *e;
	unsigned int n = b->nr_mmu - b->mmu_run;

	if (!n)
		return;
	e = &b->mc[b->nr_mc++];
	e->op = __HYPERVISOR_mmu_update;
	e->args[0] = (unsigned long)&b->mmu[b->mmu_run];
	e->args[1] = n;
	e->args[2] = 0; /* no success count: the entry's result says enough */
	e->args[3] = DOMID_SELF;
	e->args[4] = 0;
	e->args[5] = 0;
	e->result = 0;
	stats_add(STAT_MMU_UPDATES, n);
	b->mmu_run = b->nr_mmu;
}

int xen_mc_queue(unsigned int op, unsigned long a0, unsigned long a1, unsigned long a2,
		 unsigned long a3, unsigned long a4)
{
	struct xen_mc_batch *b = this_batch();
	struct multicall_entry *e;
	int rc = 0;

	/* Room for the open run's entry and this one. */
	if (b->nr_mc + mmu_run_open(b) + 1 > MC_MAX)
		rc = xen_mc_flush();
	close_mmu_run(b);
	e = &b->mc[b->nr_mc++];
	e->op = op;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
	e->args[3] = a3;
	e->args[4] = a4;
	e->args[5] = 0;
	e->result = 0;
	return rc;
}

int xen_mmu_queue(u64 ptr, u64 val)
{
	struct xen_mc_batch *b = this_batch();
	int rc = 0;

	/* A new run needs an mc[] slot for when it is closed. */
	if (b->nr_mmu == MMU_MAX || (!mmu_run_open(b) && b->nr_mc == MC_MAX))
		rc = xen_mc_flush();
	b->mmu[b->nr_mmu].ptr = ptr;
	b->mmu[b->nr_mmu].val = val;
	b->nr_mmu++;
	return rc;
}

int xen_mc_flush(void)
{
	struct xen_mc_batch *b = this_batch();
	unsigned long flags;
	unsigned int n;
	int rc = 0;

	if (!b->nr_mc && !mmu_run_open(b))
		return 0;
	/* Outside a batch this is what keeps an event handler out. */
	flags = local_irq_save();
	close_mmu_run(b);
	n = b->nr_mc;
	stats_inc(STAT_MULTICALLS);
	stats_add(STAT_MULTICALL_ENTRIES, n);
	rc = HYPERVISOR_multicall(b->mc, n);
	if (rc) {
		pr_err("xen: multicall of %u entries failed: %d\n", n, rc);
	} else {
		for (unsigned int i = 0; i < n; i++) {
			long r = (long)b->mc[i].result;

			if (r < 0) {
				pr_err("xen: multicall entry %u (op %lu) failed: %ld\n", i,
				       (unsigned long)b->mc[i].op, r);
				rc = (int)r;
			}
		}
	}
	b->nr_mc = 0;
	b->nr_mmu = 0;
	b->mmu_run = 0;
	local_irq_restore(flags);
	return rc;
}

void xen_mc_batch_begin(void)
{
	struct xen_mc_batch *b = this_batch();
	unsigned long flags = local_irq_save();

	/* Only the outermost begin's state is the one to go back to. */
	if (b->depth++ == 0)
		b->saved_flags = flags;
}

int xen_mc_batch_end(void)
{
	struct xen_mc_batch *b = this_batch();
	int rc = xen_mc_flush();

	if (b->depth && --b->depth == 0)
		local_irq_restore(b->saved_flags);
	return rc;
}

bool xen_mc_in_batch(void)
{
	return this_batch()->depth != 0;
}
