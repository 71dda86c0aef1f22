/* The ACPI power button, natively: the fixed-feature power button raises
 * the SCI (System Control Interrupt); its handler acknowledges the event in
 * the PM1 status register and queues an orderly power-off, which runs in
 * thread context through the same path as the monitor's poweroff and Xen's
 * control/shutdown. This is what QEMU's system_powerdown (libvirt's
 * `virsh shutdown`) and a real machine's button press do.
 *
 * Set-up (acpi_button_init(), from the native backend's late set-up):
 *   - the FADT's SCI_INT and PM1 event blocks come from acpi_init();
 *   - the MADT says where the SCI arrives (lib/acpi_irq.c: I/O APIC, pin,
 *     polarity, trigger; by default level-triggered, active low);
 *   - ACPI mode is switched on (SCI_EN) if the firmware left it off;
 *   - stale power-button status is cleared, PWRBTN_EN set;
 *   - the I/O APIC pin is programmed to a fixed vector on the boot CPU.
 * There is no AML interpreter, so no GPEs: only the fixed power button.
 *
 * Concurrency: after set-up, only the SCI handler touches the PM1
 * registers and the I/O APIC, and it runs on the boot CPU alone (the pin's
 * destination) with interrupts off, so it needs no lock. The power-off
 * itself runs from the work queue (kworker thread): never in the handler.
 *
 * An SCI that no enabled event explains (a level-triggered line that stays
 * asserted) is counted; after SCI_STORM_LIMIT of them in a row the pin is
 * masked and the button disabled with a warning, rather than hanging the
 * boot CPU in an interrupt storm. */
#include <asm/acpi.h>
#include <asm/acpi_irq.h>
#include <asm/apic.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <kernel/work.h>

/* PM1 status / enable bits (ACPI 6.5, 4.8.3.1). */
#define PM1_PWRBTN (1U << 8)
#define PM1_WAK_STS (1U << 15)

/* The local APIC's EOI register. */
#define LAPIC_EOI 0xb0

/* I/O APIC registers: an index register and a data window. */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDIR(pin) (0x10 + 2 * (pin))
#define REDIR_ACTIVE_LOW (1U << 13)
#define REDIR_LEVEL (1U << 15)
#define REDIR_MASKED (1U << 16)

#define SCI_STORM_LIMIT 1000

static struct {
	struct acpi_sci sci;
	u16 pm1a_en, pm1b_en;      /* enable registers: status + len/2 */
	volatile u32 *ioapic;
	unsigned int pin;
	unsigned int unexplained;  /* SCIs in a row with no event of ours */
	unsigned long presses;
	bool active;
} btn;

static inline u16 btn_inw(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static u32 ioapic_read(unsigned int reg)
{
	btn.ioapic[IOAPIC_REGSEL / 4] = reg;
	return btn.ioapic[IOAPIC_WIN / 4];
}

static void ioapic_write(unsigned int reg, u32 v)
{
	btn.ioapic[IOAPIC_REGSEL / 4] = reg;
	btn.ioapic[IOAPIC_WIN / 4] = v;
}

static void poweroff_work_fn(struct work *w)
{
	pr_info("acpi: power button pressed: powering off\n");
	pv_ops->cpu->shutdown(SHUTDOWN_POWEROFF, 0);
}

static struct work poweroff_work = WORK_INIT(poweroff_work_fn);

/* Read-and-acknowledge one PM1 status block: true if the button was
 * pressed. Status bits are write-one-to-clear; only the bit we own is
 * written back. */
static bool ack_button(u16 sts)
{
	if (!sts || !(btn_inw(sts) & PM1_PWRBTN))
		return false;
	outw(sts, PM1_PWRBTN);
	return true;
}

static void sci_irq(struct pt_regs *regs)
{
	/* Both blocks are acknowledged, whichever had the event. */
	bool pressed_a = ack_button(btn.sci.pm1a_evt);
	bool pressed_b = ack_button(btn.sci.pm1b_evt);
	bool pressed = pressed_a || pressed_b;

	if (pressed) {
		btn.unexplained = 0;
		btn.presses++;
		schedule_work(&poweroff_work);
	} else if (++btn.unexplained >= SCI_STORM_LIMIT && btn.active) {
		ioapic_write(IOAPIC_REDIR(btn.pin), ioapic_read(IOAPIC_REDIR(btn.pin)) | REDIR_MASKED);
		btn.active = false;
		pr_warn("acpi: %u SCIs in a row without a power button event; SCI masked, "
			"power button disabled\n", btn.unexplained);
	}
	/* Level-triggered: the status is clear now, so the EOI (which the
	 * local APIC broadcasts to the I/O APIC) does not fire again. */
	lapic_write(LAPIC_EOI, 0);
}

int acpi_button_init(void)
{
	struct acpi_irq_route *r = &btn.sci.route;
	unsigned int entries;
	u32 lo;

	if (acpi_sci_info(&btn.sci))
		return -ENODEV;
	if (!btn.sci.pm1a_evt || btn.sci.pm1_evt_len < 4 || btn.sci.pm1_evt_len & 1) {
		pr_warn("acpi: no usable PM1 event block (port %#x, length %u); no power button\n",
			btn.sci.pm1a_evt, btn.sci.pm1_evt_len);
		return -ENODEV;
	}
	if (btn.sci.route_rc) {
		pr_warn("acpi: cannot route SCI IRQ %u (MADT: %d); no power button\n", btn.sci.irq,
			btn.sci.route_rc);
		return -ENODEV;
	}
	if (!r->ioapic_pa || r->ioapic_pa & 0xfff) {
		pr_warn("acpi: I/O APIC address %#llx unusable; no power button\n",
			(unsigned long long)r->ioapic_pa);
		return -ENODEV;
	}
	btn.ioapic = ioremap(r->ioapic_pa, PAGE_SIZE);
	if (!btn.ioapic)
		return -ENOMEM;
	entries = (ioapic_read(IOAPIC_VER) >> 16 & 0xff) + 1;
	btn.pin = r->gsi - r->ioapic_gsi_base;
	if (btn.pin >= entries) {
		pr_warn("acpi: SCI GSI %u is beyond I/O APIC %u's %u inputs; no power button\n",
			r->gsi, r->ioapic_id, entries);
		return -ENODEV;
	}
	btn.pm1a_en = btn.sci.pm1a_evt + btn.sci.pm1_evt_len / 2;
	btn.pm1b_en = btn.sci.pm1b_evt ? btn.sci.pm1b_evt + btn.sci.pm1_evt_len / 2 : 0;

	acpi_enable_mode();
	/* A press from before we listened is stale: clear it, then enable. */
	outw(btn.sci.pm1a_evt, PM1_PWRBTN);
	outw(btn.pm1a_en, (u16)(btn_inw(btn.pm1a_en) | PM1_PWRBTN));
	if (btn.pm1b_en) {
		outw(btn.sci.pm1b_evt, PM1_PWRBTN);
		outw(btn.pm1b_en, (u16)(btn_inw(btn.pm1b_en) | PM1_PWRBTN));
	}

	set_irq_handler(IRQ_VECTOR_ACPI_SCI, sci_irq);
	btn.active = true;
	lo = IRQ_VECTOR_ACPI_SCI | (r->active_low ? REDIR_ACTIVE_LOW : 0) |
	     (r->level ? REDIR_LEVEL : 0);
	/* Fixed delivery, physical destination: the boot CPU. */
	ioapic_write(IOAPIC_REDIR(btn.pin) + 1, cpu_data[0].apic_id << 24);
	ioapic_write(IOAPIC_REDIR(btn.pin), lo);
	pr_info("acpi: power button on SCI IRQ %u (GSI %u: I/O APIC %u pin %u, %s, %s%s), "
		"PM1a_EVT %#x\n", btn.sci.irq, r->gsi, r->ioapic_id, btn.pin,
		r->level ? "level" : "edge", r->active_low ? "active low" : "active high",
		r->overridden ? ", MADT override" : "", btn.sci.pm1a_evt);
	return 0;
}
