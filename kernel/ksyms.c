#include <kernel/ksyms.h>
#include <kernel/printk.h>

/* Emitted by scripts/gen-ksyms.py: sorted addresses, offsets into a string
 * blob, and the count. */
extern const unsigned long ksyms_addr[];
extern const unsigned int ksyms_name_off[];
extern const char ksyms_names[];
extern const unsigned long ksyms_count;

const char *ksym_lookup(unsigned long addr, unsigned long *offset)
{
	unsigned long lo = 0, hi = ksyms_count;

	if (!ksyms_count || addr < ksyms_addr[0])
		return NULL;
	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (ksyms_addr[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addr[lo];
	return &ksyms_names[ksyms_name_off[lo]];
}

void print_symbol(const char *prefix, unsigned long addr)
{
	unsigned long off;
	const char *name = ksym_lookup(addr, &off);

	if (name)
		kprintf("%s[<%016lx>] %s+%#lx\n", prefix, addr, name, off);
	else
		kprintf("%s[<%016lx>] ?\n", prefix, addr);
}
