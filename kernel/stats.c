#include <kernel/stats.h>
#include <kernel/printk.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <asm/paravirt.h>
#include <kernel/smp.h>

unsigned long kstats_percpu[CONFIG_NR_CPUS][NR_STATS];

unsigned long stats_read(enum stat_id id)
{
	unsigned long n = 0;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		n += READ_ONCE(kstats_percpu[cpu][id]);
	return n;
}
extern u64 init_done_ns;
extern u64 smp_bringup_ns;
extern unsigned long smp_bringup_hypercalls;

/* One machine-readable line for `make bench`: time from the first
 * instruction to the end of init by the kernel's own clock, and the
 * hypercall traffic that took (zero natively). */
void stats_report_boot(void)
{
	pr_info("bench: mode=%s boot_ns=%llu hypercalls=%lu multicalls=%lu multicall_entries=%lu "
		"mmu_updates=%lu free_kib=%lu cpus=%u smp_us=%llu smp_hypercalls=%lu\n",
		pv_ops->name, (unsigned long long)init_done_ns, stats_read(STAT_HYPERCALLS),
		stats_read(STAT_MULTICALLS), stats_read(STAT_MULTICALL_ENTRIES),
		stats_read(STAT_MMU_UPDATES),
		mm_free_pages() * 4, num_online_cpus(),
		(unsigned long long)(smp_bringup_ns / NSEC_PER_USEC), smp_bringup_hypercalls);
}
