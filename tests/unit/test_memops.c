/* Host tests for the 8-byte steps of lib/string.c's memcpy and memset
 * (built as kx_* via rename.h): every destination and source offset
 * within two words, every length up to 80, guard bytes on both sides. */
#include "kx.h"
#include <string.h>
#include "test.h"

#define AREA 128

TEST(memcpy_alignments)
{
	static unsigned char src[AREA], dst[AREA], ref[AREA];
	unsigned int bad = 0;

	for (int i = 0; i < AREA; i++)
		src[i] = (unsigned char)(i * 37 + 11);
	for (unsigned int doff = 0; doff < 16; doff++)
		for (unsigned int soff = 0; soff < 16; soff++)
			for (unsigned int n = 0; n <= 80; n++) {
				memset(dst, 0xee, sizeof(dst));
				memset(ref, 0xee, sizeof(ref));
				for (unsigned int k = 0; k < n; k++)
					ref[doff + k] = src[soff + k];
				if (kx_memcpy(dst + doff, src + soff, n) != dst + doff)
					bad++;
				if (memcmp(dst, ref, sizeof(dst)))
					bad++;
			}
	CHECK_EQ(bad, 0);
}

TEST(memset_alignments)
{
	static unsigned char dst[AREA], ref[AREA];
	unsigned int bad = 0;

	for (unsigned int doff = 0; doff < 16; doff++)
		for (unsigned int n = 0; n <= 80; n++)
			for (int c = 0; c < 3; c++) {
				int v = c == 0 ? 0 : c == 1 ? 0xa5 : 0x1ff; /* only the low byte counts */

				memset(dst, 0x5a, sizeof(dst));
				memset(ref, 0x5a, sizeof(ref));
				for (unsigned int k = 0; k < n; k++)
					ref[doff + k] = (unsigned char)v;
				if (kx_memset(dst + doff, v, n) != dst + doff)
					bad++;
				if (memcmp(dst, ref, sizeof(dst)))
					bad++;
			}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	RUN(memcpy_alignments);
	RUN(memset_alignments);
	return xt_done();
}
