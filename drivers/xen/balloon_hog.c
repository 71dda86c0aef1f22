/* `memhog MiB SECONDS [PAUSE_MS]`: memory-hungry work for the balloon tests
 * (tests/xl/scenarios/balloon.sh). A thread takes up to MiB of pages from
 * the allocator one at a time, writes a pattern naming the round and the
 * page into each, reads every page back, frees them and starts over, for
 * SECONDS. Pages the balloon gave back to the allocator come through here
 * like any other, so a page that is not really usable again (no frame
 * behind it, unmapped, wrong P2M) shows up as a fault or a pattern error.
 * `memhog stop` ends it early (after the round in progress). It ends
 * with one line: "memhog: done: R rounds, P pages checked, S short
 * rounds, E errors". */
#include <kernel/monitor.h>
#include <kernel/sched.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/time.h>

struct hog {
	unsigned long pages;
	u64 seconds;
	u64 pause_ns;       /* sleep between rounds (leaves the vCPU to others) */
};

static bool hog_running, hog_stop;

static u64 pattern(unsigned long round, unsigned long pfn, unsigned int word)
{
	return (u64)round << 40 ^ (u64)pfn << 9 ^ word ^ 0x5a5a000000000000ULL;
}

static int hog_main(void *arg)
{
	struct hog h = *(struct hog *)arg;
	void **pages = kmalloc(h.pages * sizeof(void *));
	unsigned long round = 0, checked = 0, short_rounds = 0, errors = 0;
	u64 end = clock_ns() + h.seconds * 1000000000ULL;

	kfree(arg);
	if (!pages) {
		kprintf("memhog: no memory for the page list\n");
		WRITE_ONCE(hog_running, false);
		return -ENOMEM;
	}
	while (clock_ns() < end && !READ_ONCE(hog_stop)) {
		unsigned long n;

		round++;
		for (n = 0; n < h.pages; n++) {
			u64 *p = alloc_pages(1);

			if (!p)
				break;
			/* A fresh page is zero (the allocator's promise). */
			if (p[0] || p[511])
				errors++;
			for (unsigned int w = 0; w < 512; w++)
				p[w] = pattern(round, PFN_DOWN(__pa(p)), w);
			pages[n] = p;
			if (n % 16 == 15)
				cond_resched();
		}
		if (n < h.pages)
			short_rounds++;
		if (h.pause_ns)
			sleep_ns(h.pause_ns);
		for (unsigned long i = 0; i < n; i++) {
			u64 *p = pages[i];

			for (unsigned int w = 0; w < 512; w++)
				if (p[w] != pattern(round, PFN_DOWN(__pa(p)), w)) {
					if (errors++ < 4)
						kprintf("memhog: page %#lx word %u: %#llx\n",
							PFN_DOWN(__pa(p)), w, (unsigned long long)p[w]);
					break;
				}
			free_pages(p, 1);
			checked++;
			if (i % 16 == 15)
				cond_resched();
		}
		cond_resched();
	}
	kfree(pages);
	kprintf("memhog: done: %lu rounds, %lu pages checked, %lu short rounds, %lu errors\n", round,
		checked, short_rounds, errors);
	WRITE_ONCE(hog_running, false);
	return 0;
}

static int memhog_cmd(int argc, char **argv)
{
	unsigned int mib, secs, pause_ms = 0;
	struct hog *h;
	struct thread *t;

	if (argc == 2 && !strcmp(argv[1], "stop")) {
		if (!READ_ONCE(hog_running)) {
			kprintf("memhog: not running\n");
			return -ESRCH;
		}
		WRITE_ONCE(hog_stop, true);
		return 0;
	}
	if (argc < 3 || argc > 4 || kstrtouint(argv[1], 10, &mib) ||
	    kstrtouint(argv[2], 10, &secs) || !mib || mib > 4096 || !secs || secs > 3600 ||
	    (argc == 4 && (kstrtouint(argv[3], 10, &pause_ms) || pause_ms > 10000)))
		return -EINVAL;
	if (READ_ONCE(hog_running)) {
		kprintf("memhog: already running\n");
		return -EBUSY;
	}
	h = kmalloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->pages = (unsigned long)mib << (20 - PAGE_SHIFT);
	h->seconds = secs;
	h->pause_ns = (u64)pause_ms * 1000000;
	WRITE_ONCE(hog_running, true);
	WRITE_ONCE(hog_stop, false);
	t = thread_create("memhog", hog_main, h, CPU_ANY);
	if (!t) {
		kfree(h);
		WRITE_ONCE(hog_running, false);
		return -ENOMEM;
	}
	thread_detach(t);
	kprintf("memhog: %u MiB for %u s, %u ms between rounds\n", mib, secs, pause_ms);
	return 0;
}
MONITOR_COMMAND(memhog, "memhog", "memhog MIB SECONDS [PAUSE_MS] | memhog stop",
		"allocate, fill, verify and free MIB of pages over and over for SECONDS (a pause between rounds)", memhog_cmd);
