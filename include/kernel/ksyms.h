#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

/* Name of the function containing addr and the offset into it, from the
 * table generated at link time. Returns NULL if unknown. */
const char *ksym_lookup(unsigned long addr, unsigned long *offset);
void print_symbol(const char *prefix, unsigned long addr);
void dump_backtrace(unsigned long rbp);

#endif
