/* Hypervisor detection by CPUID signature. Xen may sit at 0x40000000 or,
 * when it also offers Viridian (Hyper-V) enlightenments, at 0x40000100, so
 * every 0x100 step up to 0x40010000 is searched. */
#include <asm/processor.h>
#include <kernel/string.h>

static const struct {
	const char *sig;
	enum hypervisor_type type;
	const char *name;
} known[] = {
	{ "XenVMMXenVMM", HV_XEN, "Xen" },
	{ "KVMKVMKVM\0\0\0", HV_KVM, "KVM" },
	{ "Microsoft Hv", HV_HYPERV, "Hyper-V" },
	{ "VMwareVMware", HV_VMWARE, "VMware" },
	{ "TCGTCGTCGTCG", HV_TCG, "QEMU TCG" },
};

void detect_hypervisor(struct hypervisor_info *hv)
{
	detect_hypervisor_with(hv, cpuid);
}

void detect_hypervisor_with(struct hypervisor_info *hv, cpuid_fn_t cpuid)
{
	u32 a, b, c, d;

	memset(hv, 0, sizeof(*hv));
	hv->name = "none";
	cpuid(1, &a, &b, &c, &d);
	if (!(c & (1U << 31)))
		return; /* no hypervisor-present bit */

	for (u32 base = 0x40000000; base < 0x40010000; base += 0x100) {
		char sig[13];

		cpuid(base, &a, &b, &c, &d);
		memcpy(sig + 0, &b, 4);
		memcpy(sig + 4, &c, 4);
		memcpy(sig + 8, &d, 4);
		sig[12] = '\0';
		for (unsigned int i = 0; i < ARRAY_SIZE(known); i++) {
			if (memcmp(sig, known[i].sig, 12))
				continue;
			/* Prefer Xen over a Viridian front at the first leaf. */
			if (hv->type == HV_NONE || known[i].type == HV_XEN) {
				hv->type = known[i].type;
				hv->base = base;
				hv->max_leaf = a;
				hv->name = known[i].name;
				memcpy(hv->signature, sig, sizeof(sig));
			}
		}
		if (hv->type == HV_XEN)
			return;
	}
	if (hv->type == HV_NONE) {
		hv->type = HV_OTHER;
		hv->name = "unknown";
		cpuid(0x40000000, &a, &b, &c, &d);
		memcpy(hv->signature + 0, &b, 4);
		memcpy(hv->signature + 4, &c, 4);
		memcpy(hv->signature + 8, &d, 4);
		for (int i = 0; i < 12; i++)
			if (hv->signature[i] < 0x20 || hv->signature[i] > 0x7e)
				hv->signature[i] = '.';
		hv->base = 0x40000000;
	}
}
