/* Partition scanning: read the table with the pure parser (lib/partition.c,
 * part_parse) and register each entry as a child disk. Callers hold
 * blk_scan_mutex (blk.h), so scans of one disk never interleave. */
#include <kernel/blkdev.h>
#include <kernel/partition.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include "blk.h"

struct scan_ctx {
	struct blk_disk *disk;
	u64 disk_blocks;
	void *bounce;          /* one page: the parser's buffer need not be
				* 512-byte aligned, blk_read()'s must */
};

static int scan_read(void *arg, u64 lba, void *buf, unsigned int nr)
{
	struct scan_ctx *c = arg;
	u32 lbs = c->disk->logical_block_size, per = lbs >> SECTOR_SHIFT;

	/* The parser reads what untrusted tables point at: keep it on the
	 * disk before any multiplication. */
	if (lba >= c->disk_blocks || nr > c->disk_blocks - lba)
		return -ERANGE;
	for (unsigned int i = 0; i < nr; i++) {
		int err = blk_read(c->disk, (lba + i) * per, c->bounce, per);

		if (err)
			return err;
		memcpy((u8 *)buf + (size_t)i * lbs, c->bounce, lbs);
	}
	return 0;
}

int blk_scan_partitions(struct blk_disk *disk)
{
	struct part_entry parts[PART_MAX];
	struct scan_ctx c;
	enum part_scheme scheme = PART_NONE;
	unsigned int dropped = 0, added = 0;
	u32 per = disk->logical_block_size >> SECTOR_SHIFT;
	int n;

	c.disk = disk;
	c.disk_blocks = READ_ONCE(disk->nr_sectors) / per;
	if (!c.disk_blocks)
		return 0;
	c.bounce = alloc_pages(1);
	if (!c.bounce)
		return -ENOMEM;
	n = part_parse(scan_read, &c, c.disk_blocks, disk->logical_block_size, parts, PART_MAX,
		       &scheme, &dropped);
	free_pages(c.bounce, 1);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int err = blk_add_partition(disk, parts[i].number, parts[i].start,
					    parts[i].nr_sectors);

		if (err) {
			pr_warn("blk: %s: partition %u (sectors %llu+%llu) not added: %d\n",
				disk->name, parts[i].number, (unsigned long long)parts[i].start,
				(unsigned long long)parts[i].nr_sectors, err);
			dropped++;
			continue;
		}
		added++;
	}
	if (scheme != PART_NONE || dropped)
		pr_info("blk: %s: %s table, %u partition%s%s\n", disk->name,
			scheme == PART_GPT ? "GPT" : scheme == PART_MBR ? "MBR" : "no",
			added, added == 1 ? "" : "s", dropped ? " (some entries dropped)" : "");
	return 0;
}
