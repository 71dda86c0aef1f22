/* Batching for Xen PV: page-table updates collect in an mmu_update array
 * and other calls in a multicall list; one flush issues them all in a
 * single multicall hypercall and checks every result. */
#include <xen/xen-ops.h>
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/stats.h>

#define MC_MAX 32
#define MMU_MAX 128

static struct multicall_entry mc[MC_MAX];
static unsigned int nr_mc;
static struct mmu_update mmu[MMU_MAX];
static unsigned int nr_mmu, mmu_done;

int xen_mc_queue(unsigned int op, unsigned long a0, unsigned long a1, unsigned long a2,
		 unsigned long a3, unsigned long a4)
{
	int rc = 0;

	/* Keep one slot free for the mmu_update batch. */
	if (nr_mc + 1 >= MC_MAX)
		rc = xen_mc_flush();
	mc[nr_mc].op = op;
	mc[nr_mc].args[0] = a0;
	mc[nr_mc].args[1] = a1;
	mc[nr_mc].args[2] = a2;
	mc[nr_mc].args[3] = a3;
	mc[nr_mc].args[4] = a4;
	mc[nr_mc].args[5] = 0;
	mc[nr_mc].result = 0;
	nr_mc++;
	return rc;
}

int xen_mmu_queue(u64 ptr, u64 val)
{
	int rc = 0;

	if (nr_mmu == MMU_MAX)
		rc = xen_mc_flush();
	mmu[nr_mmu].ptr = ptr;
	mmu[nr_mmu].val = val;
	nr_mmu++;
	return rc;
}

int xen_mc_flush(void)
{
	unsigned long flags;
	unsigned int n;
	int rc = 0;

	if (!nr_mc && !nr_mmu)
		return 0;
	flags = local_irq_save();
	if (nr_mmu) {
		mmu_done = 0;
		mc[nr_mc].op = __HYPERVISOR_mmu_update;
		mc[nr_mc].args[0] = (unsigned long)mmu;
		mc[nr_mc].args[1] = nr_mmu;
		mc[nr_mc].args[2] = (unsigned long)&mmu_done;
		mc[nr_mc].args[3] = DOMID_SELF;
		mc[nr_mc].result = 0;
		stats_add(STAT_MMU_UPDATES, nr_mmu);
		nr_mc++;
	}
	n = nr_mc;
	stats_inc(STAT_MULTICALLS);
	stats_add(STAT_MULTICALL_ENTRIES, n);
	rc = HYPERVISOR_multicall(mc, n);
	if (rc) {
		pr_err("xen: multicall of %u entries failed: %d\n", n, rc);
	} else {
		for (unsigned int i = 0; i < n; i++) {
			long r = (long)mc[i].result;

			if (r < 0) {
				pr_err("xen: multicall entry %u (op %lu) failed: %ld\n", i,
				       (unsigned long)mc[i].op, r);
				rc = (int)r;
			}
		}
	}
	nr_mc = 0;
	nr_mmu = 0;
	local_irq_restore(flags);
	return rc;
}
