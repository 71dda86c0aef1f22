/* blkpat: write or verify Xenolith's disk test pattern (lib/blkpattern.c,
 * docs/lib-parsers.md) on a file or block device, from the lab's dom0 or
 * the build host. Built statically by `make blkpat` into
 * $(objtree)/host/blkpat so it runs in any dom0 without libraries.
 *
 *   blkpat [-d] fill|check FILE_OR_DEV SEED START_SECTOR NR_SECTORS
 *
 * Sectors are 512 bytes; SEED, START_SECTOR and NR_SECTORS are decimal or
 * 0x-hex. -d opens with O_DIRECT (then START and NR must be multiples of
 * the device's logical block size). fill writes the pattern and fsyncs;
 * check reads it back. Prints "blkpat: ok N sectors" and exits 0, or
 * "blkpat: MISMATCH at sector S" and exits 1; usage and I/O errors
 * (including a file that ends early) exit 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kernel/blkpattern.h>

#define CHUNK_SECTORS 2048u          /* 1 MiB per pread/pwrite */
#define MAX_SECTOR (1ULL << 54)      /* byte offsets stay within off_t */

static void usage(void)
{
	fprintf(stderr, "usage: blkpat [-d] fill|check FILE_OR_DEV SEED START_SECTOR NR_SECTORS\n");
	exit(2);
}

static uint64_t number(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "blkpat: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* Transfer len bytes at off, retrying short transfers; 0 or -1 (errno set,
 * 0 for an early end of file). */
static int xfer(int fd, int write, unsigned char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int direct = 0, fill, fd;
	uint64_t seed, start, nr, done = 0;
	unsigned char *buf;

	if (argc > 1 && !strcmp(argv[1], "-d")) {
		direct = 1;
		argv++;
		argc--;
	}
	if (argc != 6)
		usage();
	if (!strcmp(argv[1], "fill"))
		fill = 1;
	else if (!strcmp(argv[1], "check"))
		fill = 0;
	else
		usage();
	seed = number(argv[3], "seed");
	start = number(argv[4], "start sector");
	nr = number(argv[5], "sector count");
	if (start > MAX_SECTOR || nr > MAX_SECTOR - start) {
		fprintf(stderr, "blkpat: sectors past 2^54\n");
		return 2;
	}

	fd = open(argv[2], (fill ? O_WRONLY | O_CREAT : O_RDONLY) | (direct ? O_DIRECT : 0), 0644);
	if (fd < 0) {
		fprintf(stderr, "blkpat: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	if (posix_memalign((void **)&buf, 4096, (size_t)CHUNK_SECTORS * 512)) {
		fprintf(stderr, "blkpat: out of memory\n");
		return 2;
	}

	while (done < nr) {
		uint64_t n = nr - done < CHUNK_SECTORS ? nr - done : CHUNK_SECTORS;
		uint64_t sector = start + done, bad = 0;
		off_t off = (off_t)(sector * 512);

		if (fill)
			blkpat_fill(buf, seed, sector, n);
		if (xfer(fd, fill, buf, (size_t)n * 512, off)) {
			fprintf(stderr, "blkpat: %s sectors %" PRIu64 "..%" PRIu64 ": %s\n",
				fill ? "writing" : "reading", sector, sector + n - 1,
				errno ? strerror(errno) : "end of file");
			return 2;
		}
		if (!fill && blkpat_check(buf, seed, sector, n, &bad)) {
			printf("blkpat: MISMATCH at sector %" PRIu64 "\n", bad);
			return 1;
		}
		done += n;
	}
	if (fill && fsync(fd)) {
		fprintf(stderr, "blkpat: fsync: %s\n", strerror(errno));
		return 2;
	}
	close(fd);
	free(buf);
	printf("blkpat: ok %" PRIu64 " sectors\n", nr);
	return 0;
}
