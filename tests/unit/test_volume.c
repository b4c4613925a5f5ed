/* Cluster accounting against $Bitmap: the block counts must agree with a bit-by-bit count
 * for every range, including ranges that leave the volume. */
#include <criterion/criterion.h>
#include <glib.h>

#include "mem_source.h"

static uint64_t naive(const Volume *vol, uint64_t lcn, uint64_t count)
{
	uint64_t used = 0;
	for (uint64_t c = lcn; c < lcn + count; c++)
		used += c >= vol->bitmap_bytes * 8 ? 1 : (vol->bitmap[c / 8] >> (c % 8)) & 1;
	return used;
}

Test(volume, clusters_in_use_matches_a_bit_count)
{
	enum { BYTES = 1000 };
	Volume *vol = mem_volume_new(mem_source_new(g_malloc0(65536), 65536), 1024, 4096);
	g_autoptr(GRand) rnd = g_rand_new_with_seed(7);
	uint8_t *bitmap = g_malloc(BYTES);
	for (int i = 0; i < BYTES; i++)
		bitmap[i] = (uint8_t)g_rand_int(rnd);
	volume_set_bitmap(vol, bitmap, BYTES);
	for (int i = 0; i < 5000; i++) {
		uint64_t lcn = g_rand_int_range(rnd, 0, BYTES * 8 + 100);
		uint64_t count = g_rand_int_range(rnd, 0, 3000);
		cr_assert_eq(volume_clusters_in_use(vol, lcn, count), naive(vol, lcn, count),
			     "lcn %" G_GUINT64_FORMAT " count %" G_GUINT64_FORMAT, lcn, count);
	}
	cr_assert_eq(volume_clusters_in_use(vol, 0, UINT64_MAX / 2), naive(vol, 0, BYTES * 8) + UINT64_MAX / 2 - BYTES * 8);
	BlockSource *src = vol->mft.src;
	volume_free(vol);
	block_source_close(src);
}
