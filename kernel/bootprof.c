/* Boot profile (include/kernel/bootprof.h). Stamps are raw TSC values:
 * boot_tsc_start is taken by the entry code's first instructions in every
 * mode, and the time code sets tsc_khz (PIT/CPUID natively, pvclock under
 * Xen) before anything is reported. */
#include <kernel/bootprof.h>
#include <kernel/boot.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/stats.h>
#include <kernel/time.h>
#include <asm/processor.h>

struct phase_stamp {
	u64 tsc;
	unsigned long hypercalls, multicalls, pt_updates;
	bool set;
};

static struct phase_stamp stamps[NR_BOOT_PHASES];

static const char *const phase_names[NR_BOOT_PHASES] = {
	[BOOT_PHASE_EARLY] = "early",       [BOOT_PHASE_MEMMAP] = "memmap",
	[BOOT_PHASE_TRAPS] = "traps",       [BOOT_PHASE_PGTABLES] = "pgtables",
	[BOOT_PHASE_ALLOC] = "alloc",       [BOOT_PHASE_EVENTS] = "events",
	[BOOT_PHASE_CONSOLE] = "console",   [BOOT_PHASE_TIME] = "time",
	[BOOT_PHASE_SMP] = "smp",           [BOOT_PHASE_XENSTORE] = "xenstore",
	[BOOT_PHASE_INIT] = "init",         [BOOT_PHASE_DEVICES] = "devices",
	[BOOT_PHASE_READY] = "ready",
};

void boot_phase_end(enum boot_phase phase)
{
	struct phase_stamp *s;

	if ((unsigned int)phase >= NR_BOOT_PHASES)
		return;
	s = &stamps[phase];
	s->tsc = rdtsc();
	s->hypercalls = stats_read(STAT_HYPERCALLS);
	s->multicalls = stats_read(STAT_MULTICALLS);
	s->pt_updates = stats_read(STAT_MMU_UPDATES);
	s->set = true;
}

/* A phase never stamped ends where the one before it ended. */
static const struct phase_stamp *stamp_of(unsigned int phase)
{
	static const struct phase_stamp start;

	for (int p = (int)phase; p >= 0; p--)
		if (stamps[p].set)
			return &stamps[p];
	return &start;
}

static u64 tsc_delta_ns(u64 tsc)
{
	u64 khz = READ_ONCE(tsc_khz), mult;

	/* A TSC read before the entry stamp (another CPU's TSC, a wrap)
	 * counts as the start. */
	if (!khz || tsc <= boot_tsc_start)
		return 0;
	/* ns per tick as a 32.32 fixed-point factor: no 128-bit division. */
	mult = (1000000ULL << 32) / khz;
	return (u64)(((unsigned __int128)(tsc - boot_tsc_start) * mult) >> 32);
}

u64 boot_phase_ns(enum boot_phase phase)
{
	if ((unsigned int)phase >= NR_BOOT_PHASES || !stamps[phase].set)
		return 0;
	return tsc_delta_ns(stamps[phase].tsc);
}

void boot_phases_report(void)
{
	char line[768];
	unsigned int len;

	len = (unsigned int)snprintf(line, sizeof(line), "bench: phases");
	for (unsigned int p = 0; p < NR_BOOT_PHASES && len < sizeof(line); p++) {
		const struct phase_stamp *s = stamp_of(p);
		const struct phase_stamp *prev = p ? stamp_of(p - 1) : NULL;
		unsigned long hc = s->hypercalls - (prev ? prev->hypercalls : 0);
		unsigned long mc = s->multicalls - (prev ? prev->multicalls : 0);
		unsigned long pt = s->pt_updates - (prev ? prev->pt_updates : 0);

		len += (unsigned int)snprintf(line + len, sizeof(line) - len, " %s=%llu:%lu:%lu:%lu",
					      phase_names[p], (unsigned long long)tsc_delta_ns(s->tsc),
					      hc, mc, pt);
	}
	pr_info("%s\n", line);
}
