/* MBR and GPT partition tables (lib/partition.c): a pure parser of
 * untrusted disk contents, used by the block layer and unit-tested and
 * fuzzed on the host. It reads the disk only through a callback. The rules
 * (which tables are believed, which entries are dropped) are in
 * docs/lib-parsers.md. */
#ifndef KERNEL_PARTITION_H
#define KERNEL_PARTITION_H

#include <kernel/compiler.h>

#define PART_MAX 16

/* Bounds of the walk, whatever the table claims. */
#define PART_EBR_MAX 64            /* extended boot records followed */
#define PART_GPT_ENTRIES_MAX 1024  /* GPT entries the header may declare */
#define PART_GPT_ARRAY_MAX (256u * 1024)  /* bytes of GPT entry array read */

struct part_entry {
	u64 start;            /* 512-byte units from the start of the disk */
	u64 nr_sectors;       /* 512-byte units, never 0 */
	unsigned int number;  /* 1-based: MBR primaries 1-4, logicals 5..; GPT slot + 1 */
	u8 mbr_type;          /* MBR: the type byte; GPT: 0 */
	u8 gpt_type[16];      /* GPT: the type GUID as stored; MBR: zeros */
};

enum part_scheme { PART_NONE, PART_MBR, PART_GPT };

/* Read nr logical blocks starting at lba (in logical-block units) into buf;
 * 0 or -errno. part_parse always passes nr == 1, an lba below disk_blocks,
 * and buf = its own scratch block (see part_parse). */
typedef int (*part_read_t)(void *ctx, u64 lba, void *buf, unsigned int nr);

/* Parse the table of a disk of disk_blocks logical blocks of lbs bytes
 * (512 or 4096).
 *
 * Buffers: part_parse allocates nothing. It reads one logical block at a
 * time into a 4096-byte scratch buffer in its own stack frame (aligned to
 * 512 bytes, so it may cross a page boundary when lbs is 4096), which it
 * passes to read() as buf; a callback that needs other memory (DMA
 * constraints) reads into its own and copies lbs bytes. It never keeps a
 * pointer to buf after read() returns. Stack use is about 4.5 KiB.
 *
 * Entries that are empty (zero length), overlap an earlier one, or reach
 * outside the disk or the usable area (GPT) or their extended partition
 * (MBR logicals), and valid ones beyond max, are dropped and counted in
 * *dropped (when not NULL); unused slots (MBR type 0, GPT type GUID zero)
 * are not entries. A dropped entry keeps its number from the others.
 * Returns the number of entries written to out (at most max), in table
 * order, with *scheme (when not NULL) set; 0 with PART_NONE for a disk
 * without a valid table (a protective MBR whose GPT copies are both
 * invalid included); -EINVAL for lbs not 512 or 4096 or disk_blocks of
 * 2^61 or more; or the first -errno read() returns (then *scheme is
 * PART_NONE and out may hold partial results). */
int part_parse(part_read_t read, void *ctx, u64 disk_blocks, unsigned int lbs,
	       struct part_entry *out, unsigned int max, enum part_scheme *scheme,
	       unsigned int *dropped);

#endif
