#include <kernel/stats.h>
#include <kernel/printk.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <asm/paravirt.h>

unsigned long kstats[NR_STATS];
extern u64 init_done_ns;

/* One machine-readable line for `make bench`: time from the first
 * instruction to the end of init by the kernel's own clock, and the
 * hypercall traffic that took (zero natively). */
void stats_report_boot(void)
{
	pr_info("bench: mode=%s boot_ns=%llu hypercalls=%lu multicalls=%lu multicall_entries=%lu "
		"mmu_updates=%lu free_kib=%lu\n",
		pv_ops->name, (unsigned long long)init_done_ns, kstats[STAT_HYPERCALLS],
		kstats[STAT_MULTICALLS], kstats[STAT_MULTICALL_ENTRIES], kstats[STAT_MMU_UPDATES],
		mm_free_pages() * 4);
}
