/* Native time: the TSC, calibrated against the PIT, is the clock; the
 * local APIC timer in one-shot mode is the clock event; the CMOS RTC gives
 * the wall clock. */
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <asm/traps.h>
#include <asm/apic.h>
#include <kernel/time.h>
#include <kernel/printk.h>
#include <kernel/mm.h>
#include <kernel/stats.h>
#include <kernel/errno.h>
#include <kernel/prof.h>

#define PIT_HZ 1193182ULL
#define CALIBRATE_WINDOW_US 1000
#define CALIBRATE_WINDOWS 3
/* The local APIC timer against the TSC, when nothing gives its rate. */
#define LAPIC_CALIBRATE_NS NSEC_PER_MSEC

#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0

extern u64 boot_tsc_start;
extern struct hypervisor_info boot_hypervisor;
static u64 tsc_mult; /* ns = (tsc * tsc_mult) >> 32 */
volatile u32 *lapic; /* shared with the SMP code (IPIs) */
static u64 lapic_ticks_per_ms;

static u64 tsc_to_ns(u64 tsc)
{
	return (u64)(((unsigned __int128)tsc * tsc_mult) >> 32);
}

static u64 native_clock_ns(void)
{
	return tsc_to_ns(rdtsc());
}

static void pic_disable(void)
{
	/* Remap the legacy PICs away from the exception vectors, then mask
	 * every line: the local APIC is our only interrupt source. */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, IRQ_VECTOR_PIC_BASE);
	outb(0xa1, IRQ_VECTOR_PIC_BASE + 8);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/* One PIT channel 2 countdown of CALIBRATE_WINDOW_US: TSC ticks per
 * millisecond, 0 if the gate never opened (no PIT). */
static u64 pit_window_khz(void)
{
	u64 count = PIT_HZ * CALIBRATE_WINDOW_US / 1000000, t0, t1;
	unsigned long spins = 0;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, (u8)count);
	outb(0x42, (u8)(count >> 8));
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20) && ++spins < 10000000UL)
		;
	t1 = rdtsc();
	if (spins >= 10000000UL)
		return 0;
	return (t1 - t0) * 1000 / CALIBRATE_WINDOW_US;
}

/* The overlapped calibration: PIT channel 2 counts down once from 0xffff
 * (55 ms) from early setup on, while the kernel sets up memory, traps and
 * the allocator; time init latches the count and reads the TSC. Boot takes
 * a few milliseconds to get there, so one window of that length replaces
 * the waits of the short windows below. If the countdown already ended
 * (a slow start), never began (no PIT: the status bit reads as set, or
 * the count never moves within the spin bound), or fewer than
 * PIT_LONG_MIN_TICKS have passed after waiting, the caller falls back. */
#define PIT_LONG_COUNT 0xffffU
#define PIT_LONG_MIN_TICKS (PIT_HZ * 2 / 1000)  /* 2 ms: 0.04% per tick of jitter */
#define PIT_LONG_SPINS 10000000UL

static u64 pit_long_tsc0;
static bool pit_long_started;

void native_tsc_calibration_start(void)
{
	/* Gate on, speaker off; channel 2, lobyte/hibyte, mode 0
	 * (interrupt on terminal count: OUT rises at zero and stays). */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, (u8)PIT_LONG_COUNT);
	outb(0x42, (u8)(PIT_LONG_COUNT >> 8));
	pit_long_tsc0 = rdtsc();
	pit_long_started = true;
}

static u64 pit_long_khz(void)
{
	unsigned long spins = 0;
	u32 ticks;
	u64 t1;

	if (!pit_long_started)
		return 0;
	pit_long_started = false; /* the fallback reprograms the channel */
	for (;;) {
		u8 lo, hi;

		outb(0x43, 0x80); /* latch channel 2's count */
		t1 = rdtsc();
		lo = inb(0x42);
		hi = inb(0x42);
		/* OUT high: the count reached zero (or no PIT). A wrap
		 * between the latch and this read only costs the fallback. */
		if (inb(0x61) & 0x20)
			return 0;
		ticks = PIT_LONG_COUNT - ((u32)hi << 8 | lo);
		if (ticks >= PIT_LONG_MIN_TICKS)
			break;
		if (++spins >= PIT_LONG_SPINS)
			return 0;
		cpu_relax();
	}
	if (t1 <= pit_long_tsc0)
		return 0;
	return (t1 - pit_long_tsc0) * PIT_HZ / ((u64)ticks * 1000);
}

/* The PIT fallback waits CALIBRATE_WINDOWS short windows and takes the
 * median: under emulation on a loaded host one window can be stretched
 * (or shortened) by the emulator being descheduled, and the median of
 * three survives one such window. Bounded: the spin limit ends a window
 * whose gate never opens. */
static u64 calibrate_tsc_pit(void)
{
	u64 w[CALIBRATE_WINDOWS], t;

	for (unsigned int i = 0; i < CALIBRATE_WINDOWS; i++) {
		w[i] = pit_window_khz();
		if (!w[i])
			return 0;
	}
	for (unsigned int i = 1; i < CALIBRATE_WINDOWS; i++)
		for (unsigned int j = i; j > 0 && w[j - 1] > w[j]; j--) {
			t = w[j];
			w[j] = w[j - 1];
			w[j - 1] = t;
		}
	return w[CALIBRATE_WINDOWS / 2];
}

static u32 hypervisor_timing_leaf(u32 *apic_khz)
{
	u32 a = 0, b = 0, c = 0, d = 0;

	/* KVM (with the frequency exposed), VMware and others: leaf
	 * base + 0x10 gives the TSC and the APIC bus in kHz. Xen's time
	 * leaf is elsewhere and Xen guests use the pvclock instead. */
	if (boot_hypervisor.type == HV_NONE || !boot_hypervisor.base ||
	    boot_hypervisor.max_leaf < boot_hypervisor.base + 0x10)
		return 0;
	cpuid(boot_hypervisor.base + 0x10, &a, &b, &c, &d);
	*apic_khz = b;
	return a;
}

/* TSC frequency without waiting where the CPU or hypervisor says it:
 * CPUID 0x15 (TSC/crystal ratio and the crystal's frequency; the APIC timer
 * runs off that crystal), the hypervisor's timing leaf, CPUID 0x16 (base
 * frequency in MHz, which the TSC runs at on CPUs that have the leaf but
 * no crystal frequency in 0x15; bare metal only). Else a short, bounded PIT calibration. */
static u64 find_tsc_khz(const char **how, u64 *apic_khz)
{
	u32 max = 0, a = 0, b = 0, c = 0, d = 0, hv_apic = 0;
	u64 khz;

	*apic_khz = 0;
	cpuid(0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, &a, &b, &c, &d);
		if (a && b && c) {
			*how = "CPUID 0x15";
			*apic_khz = c / 1000;
			return (u64)c * b / a / 1000;
		}
	}
	khz = hypervisor_timing_leaf(&hv_apic);
	if (khz) {
		*how = "hypervisor timing leaf";
		*apic_khz = hv_apic;
		return khz;
	}
	/* Under a hypervisor (an emulator's TSC runs at the host's rate) the
	 * base frequency says nothing about the TSC guests see. */
	if (max >= 0x16 && boot_hypervisor.type == HV_NONE) {
		cpuid(0x16, &a, &b, &c, &d);
		if (a & 0xffff) {
			*how = "CPUID 0x16";
			return (u64)(a & 0xffff) * 1000;
		}
	}
	khz = pit_long_khz();
	if (khz) {
		*how = "PIT, overlapped with early boot";
		return khz;
	}
	*how = "PIT-calibrated";
	return calibrate_tsc_pit();
}

u32 lapic_read(u32 reg)
{
	return lapic[reg / 4];
}

void lapic_write(u32 reg, u32 v)
{
	lapic[reg / 4] = v;
}

/* A secondary CPU's own local APIC: enabled, its timer one-shot with the
 * boot CPU's calibration (every CPU's APIC timer runs off the same bus
 * clock). */
void native_lapic_cpu_init(void)
{
	native_wrmsr(MSR_APIC_BASE, native_rdmsr(MSR_APIC_BASE) | (1ULL << 11));
	lapic_write(APIC_SVR, 0x100 | IRQ_VECTOR_SPURIOUS);
	lapic_write(APIC_TIMER_DIV, 0x3);
	lapic_write(APIC_TIMER_INIT, 0);
	lapic_write(APIC_LVT_TIMER, IRQ_VECTOR_TIMER);
}

static void lapic_timer_irq(struct pt_regs *regs)
{
	prof_sample_regs(regs);
	lapic_write(APIC_EOI, 0);
	stats_inc(STAT_TIMER_IRQS);
	timer_interrupt();
}

static void lapic_spurious(struct pt_regs *regs)
{
	stats_inc(STAT_SPURIOUS);
}

static int native_set_oneshot(u64 deadline_ns)
{
	u64 now = native_clock_ns(), delta = deadline_ns > now ? deadline_ns - now : 0;
	u64 ticks;

	if (!lapic)
		return -ENODEV;
	if (delta < 1000)
		delta = 1000;
	ticks = delta * lapic_ticks_per_ms / NSEC_PER_MSEC;
	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffULL)
		ticks = 0xffffffffULL;
	lapic_write(APIC_TIMER_INIT, (u32)ticks);
	return 0;
}

static int native_time_init(void)
{
	const char *how = "?";
	u64 apic_khz, khz = find_tsc_khz(&how, &apic_khz), base, t0, t1;

	if (!khz) {
		pr_warn("time: PIT calibration failed; assuming 1 GHz TSC\n");
		khz = 1000000;
	}
	tsc_khz = khz;
	tsc_mult = (NSEC_PER_MSEC << 32) / khz;
	boot_clock_ns = tsc_to_ns(boot_tsc_start);
	pr_info("time: TSC %llu.%03llu MHz (%s)\n", (unsigned long long)(khz / 1000),
		(unsigned long long)(khz % 1000), how);

	pic_disable();
	base = native_rdmsr(MSR_APIC_BASE);
	native_wrmsr(MSR_APIC_BASE, base | (1ULL << 11));
	lapic = ioremap(base & PTE_ADDR_MASK & ~0xfffULL, PAGE_SIZE);
	if (!lapic) {
		pr_err("time: cannot map the local APIC\n");
		return -ENOMEM;
	}
	set_irq_handler(IRQ_VECTOR_TIMER, lapic_timer_irq);
	set_irq_handler(IRQ_VECTOR_SPURIOUS, lapic_spurious);
	lapic_write(APIC_SVR, 0x100 | IRQ_VECTOR_SPURIOUS);
	lapic_write(APIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(APIC_LVT_TIMER, 1U << 16); /* masked while calibrating */
	if (apic_khz) {
		/* The bus (crystal) rate is known; the timer divides by 16. */
		lapic_ticks_per_ms = apic_khz / 16;
	} else {
		/* Count against the TSC; the elapsed time is what was
		 * measured, not what was asked for, so a late wake-up
		 * does not skew the rate. */
		lapic_write(APIC_TIMER_INIT, 0xffffffffU);
		t0 = native_clock_ns();
		while (native_clock_ns() - t0 < LAPIC_CALIBRATE_NS)
			cpu_relax();
		lapic_ticks_per_ms = 0xffffffffULL - lapic_read(APIC_TIMER_CUR);
		t1 = native_clock_ns();
		lapic_ticks_per_ms = lapic_ticks_per_ms * NSEC_PER_MSEC / (t1 - t0);
	}
	lapic_write(APIC_TIMER_INIT, 0);
	if (!lapic_ticks_per_ms)
		lapic_ticks_per_ms = 1;
	lapic_write(APIC_LVT_TIMER, IRQ_VECTOR_TIMER); /* one-shot */
	pr_info("time: local APIC timer %llu kHz (one-shot)\n",
		(unsigned long long)lapic_ticks_per_ms);
	return 0;
}

static u8 cmos_read(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned int bcd(u8 v, bool is_bcd)
{
	return is_bcd ? (v & 0xf) + (v >> 4) * 10 : v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static u64 days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
	static const unsigned int cum[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	u64 days = (u64)(y - 1970) * 365 + cum[(m - 1) % 12] + d - 1;

	for (unsigned int yy = 1970; yy < y; yy++)
		days += (yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0));
	if (m > 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		days++;
	return days;
}

static u64 native_wallclock_s(void)
{
	u8 sec, min, hour, day, mon, year, regb;
	bool is_bcd;
	int i;

	for (i = 0; i < 1000000 && (cmos_read(0x0a) & 0x80); i++)
		cpu_relax();
	sec = cmos_read(0x00);
	min = cmos_read(0x02);
	hour = cmos_read(0x04);
	day = cmos_read(0x07);
	mon = cmos_read(0x08);
	year = cmos_read(0x09);
	regb = cmos_read(0x0b);
	is_bcd = !(regb & 0x04);
	if (bcd(mon, is_bcd) < 1 || bcd(mon, is_bcd) > 12 || bcd(day, is_bcd) < 1)
		return 0;
	return days_from_civil(2000 + bcd(year, is_bcd), bcd(mon, is_bcd), bcd(day, is_bcd)) * 86400 +
	       bcd(hour & 0x7f, is_bcd) * 3600 + bcd(min, is_bcd) * 60 + bcd(sec, is_bcd);
}

const struct pv_time_ops native_time_ops = {
	.clocksource = "tsc",
	.init = native_time_init,
	.clock_ns = native_clock_ns,
	.set_oneshot = native_set_oneshot,
	.wallclock_s = native_wallclock_s,
};
