/* MBR and GPT partition tables (lib/partition.c): a pure parser of
 * untrusted disk contents, used by the block layer and unit-tested and
 * fuzzed on the host. It reads the disk only through a callback. */
#ifndef KERNEL_PARTITION_H
#define KERNEL_PARTITION_H

#include <kernel/compiler.h>

#define PART_MAX 16

struct part_entry {
	u64 start;            /* 512-byte units from the start of the disk */
	u64 nr_sectors;       /* 512-byte units */
	unsigned int number;  /* 1-based: MBR primaries 1-4, logicals 5..; GPT slot + 1 */
	u8 mbr_type;          /* MBR: the type byte; GPT: 0 */
	u8 gpt_type[16];      /* GPT: the type GUID as stored; MBR: zeros */
};

enum part_scheme { PART_NONE, PART_MBR, PART_GPT };

/* Read nr logical blocks starting at lba (in logical-block units) into buf;
 * 0 or -errno. */
typedef int (*part_read_t)(void *ctx, u64 lba, void *buf, unsigned int nr);

/* Parse the table of a disk of disk_blocks logical blocks of lbs bytes
 * (512 or 4096). buf is scratch space of at least 2 * lbs bytes... see
 * lib/partition.c for the exact contract. Entries that are empty, overlap
 * a previous one, or reach past the disk are dropped (counted in *dropped
 * when not NULL). Returns the number of entries written to out (at most
 * max), 0 for a disk without a table, or -errno for a read error. */
int part_parse(part_read_t read, void *ctx, u64 disk_blocks, unsigned int lbs,
	       struct part_entry *out, unsigned int max, enum part_scheme *scheme,
	       unsigned int *dropped);

#endif
