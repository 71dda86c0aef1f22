/* Hypercalls through the hypercall page. Xen fills the page for PV guests
 * at build time; PVH guests ask for it through the CPUID-advertised MSR.
 * Either way the call sequence is the same: call page + 32 * op. */
#ifndef XEN_HYPERCALL_H
#define XEN_HYPERCALL_H

#include <kernel/compiler.h>
#include <kernel/stats.h>
#include <xen/interface/xen.h>
#include <xen/interface/sched.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/memory.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/hvm/params.h>
#include <xen/interface/callback.h>
#include <xen/interface/version.h>

extern char hypercall_page[];

#define __HCALL_ENTRY(op) "call hypercall_page + " #op " * 32"

static inline long xen_hypercall5(unsigned int op, unsigned long a1, unsigned long a2,
				  unsigned long a3, unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret;

	stats_inc(STAT_HYPERCALLS);
	__asm__ __volatile__("call *%[entry]"
			     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			     : [entry] "r"(hypercall_page + op * 32)
			     : "memory", "rcx", "r11", "r9");
	return ret;
}

#define HYPERCALL(op, a1, a2, a3, a4, a5) \
	xen_hypercall5(__HYPERVISOR_##op, (unsigned long)(a1), (unsigned long)(a2), \
		       (unsigned long)(a3), (unsigned long)(a4), (unsigned long)(a5))

static inline int HYPERVISOR_sched_op(int cmd, void *arg)
{
	return (int)HYPERCALL(sched_op, cmd, arg, 0, 0, 0);
}

static inline int HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return (int)HYPERCALL(event_channel_op, cmd, arg, 0, 0, 0);
}

static inline int HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return (int)HYPERCALL(memory_op, cmd, arg, 0, 0, 0);
}

static inline int HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return (int)HYPERCALL(vcpu_op, cmd, vcpu, arg, 0, 0);
}

static inline int HYPERVISOR_hvm_op(int cmd, void *arg)
{
	return (int)HYPERCALL(hvm_op, cmd, arg, 0, 0, 0);
}

static inline int HYPERVISOR_console_io(int cmd, unsigned int len, const char *buf)
{
	return (int)HYPERCALL(console_io, cmd, len, buf, 0, 0);
}

static inline int HYPERVISOR_xen_version(int cmd, void *arg)
{
	return (int)HYPERCALL(xen_version, cmd, arg, 0, 0, 0);
}

static inline int HYPERVISOR_callback_op(int cmd, const void *arg)
{
	return (int)HYPERCALL(callback_op, cmd, arg, 0, 0, 0);
}

static inline int HYPERVISOR_set_trap_table(const struct trap_info *table)
{
	return (int)HYPERCALL(set_trap_table, table, 0, 0, 0, 0);
}

static inline int HYPERVISOR_mmu_update(struct mmu_update *req, unsigned int count,
					unsigned int *done, domid_t dom)
{
	return (int)HYPERCALL(mmu_update, req, count, done, dom, 0);
}

static inline int HYPERVISOR_mmuext_op(struct mmuext_op *op, unsigned int count,
				       unsigned int *done, domid_t dom)
{
	return (int)HYPERCALL(mmuext_op, op, count, done, dom, 0);
}

static inline int HYPERVISOR_update_va_mapping(unsigned long va, u64 pte, unsigned long flags)
{
	return (int)HYPERCALL(update_va_mapping, va, pte, flags, 0, 0);
}

static inline int HYPERVISOR_set_segment_base(unsigned int which, unsigned long base)
{
	return (int)HYPERCALL(set_segment_base, which, base, 0, 0, 0);
}

static inline int HYPERVISOR_multicall(struct multicall_entry *calls, unsigned int n)
{
	return (int)HYPERCALL(multicall, calls, n, 0, 0, 0);
}

static inline int hvm_get_param(unsigned int idx, u64 *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = idx };
	int rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);

	if (!rc)
		*value = p.value;
	return rc;
}

static inline int hvm_set_param(unsigned int idx, u64 value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = idx, .value = value };

	return HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

#endif
