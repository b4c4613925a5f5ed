/* The MFT's runlist from the records found by a sweep of every cluster: a map from MFT
 * cluster (VCN) to volume cluster (LCN), first finding wins, turned into runs. Memory grows
 * with the MFT's clusters found, not with the volume. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/mft_locate.h"

#include <string.h>

#include "index/volume_sweep.h"
#include "ntfs/carved_record.h"
#include "ntfs/mft_reader.h"
#include "util/error.h"

typedef struct {
	const Volume *vol;
	GHashTable *lcn_of;  /* guint64 VCN -> guint64 LCN, both allocated */
	uint8_t *buf;
	MftLocateStats *stats;
} Locate;

static void place(Locate *l, uint64_t vcn, uint64_t lcn)
{
	guint64 *old = g_hash_table_lookup(l->lcn_of, &vcn);
	if (old != NULL) {
		l->stats->conflicts += *old != lcn;
		return;
	}
	g_hash_table_insert(l->lcn_of, g_memdup2(&vcn, sizeof vcn), g_memdup2(&lcn, sizeof lcn));
}

static void on_record(void *user_data, uint64_t offset, const uint8_t *bytes, size_t size)
{
	Locate *l = user_data;
	uint32_t rs = l->vol->mft.boot.mft_record_size, cs = l->vol->mft.boot.cluster_size;
	if (size != rs)
		return;
	memcpy(l->buf, bytes, size);
	MftRecord rec;
	if (!carved_record_decode_any(l->buf, size, &rec, NULL))
		return;
	uint64_t mft_offset = rec.record_number * rs; /* < 2^42: the number has 32 bits */
	if (cs >= rs) {
		if (mft_offset % cs != offset % cs)
			return; /* not where an MFT cluster would hold this record */
		place(l, mft_offset / cs, offset / cs);
	} else {
		if (offset % cs != 0)
			return;
		for (uint64_t k = 0; k < rs / cs; k++)
			place(l, mft_offset / cs + k, offset / cs + k);
	}
	l->stats->records_found++;
}

static int compare_u64(gconstpointer a, gconstpointer b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The placed clusters in VCN order as runs, consistent gaps filled. */
static void build_runs(Locate *l, Runlist *runs)
{
	g_autoptr(GArray) vcns = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, l->lcn_of);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_array_append_val(vcns, *(uint64_t *)key);
	g_array_sort(vcns, compare_u64);
	Run cur = { 0 };
	bool open = false;
	for (guint i = 0; i < vcns->len; i++) {
		uint64_t vcn = g_array_index(vcns, uint64_t, i);
		uint64_t lcn = *(uint64_t *)g_hash_table_lookup(l->lcn_of, &vcn);
		uint64_t end_vcn = cur.vcn + cur.length_clusters;
		if (open && vcn - cur.vcn == lcn - cur.lcn && lcn > cur.lcn) {
			l->stats->gaps_filled += vcn - end_vcn;
			cur.length_clusters = vcn - cur.vcn + 1;
			continue;
		}
		if (open)
			runlist_append(runs, cur);
		cur = (Run){ .vcn = vcn, .lcn = lcn, .length_clusters = 1 };
		open = true;
	}
	if (open)
		runlist_append(runs, cur);
}

bool mft_locate_runs(const Volume *bare, Runlist *runs, uint64_t *data_size, MftLocateStats *stats,
		     RfsProgressFunc progress, void *user_data, GError **error)
{
	*stats = (MftLocateStats){ 0 };
	Locate l = {
		.vol = bare,
		.lcn_of = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free),
		.buf = g_malloc(bare->mft.boot.mft_record_size),
		.stats = stats,
	};
	VolumeSweepSink sink = {
		.file_record = on_record,
		.user_data = &l,
		.progress = progress,
		.progress_data = user_data,
	};
	VolumeSweepStats sweep;
	g_autoptr(GError) gone = NULL;
	bool swept = volume_sweep_run(bare, true, &sink, &sweep, &gone);
	build_runs(&l, runs);
	g_hash_table_unref(l.lcn_of);
	g_free(l.buf);
	if (!swept) {
		runlist_clear(runs);
		g_propagate_error(error, g_steal_pointer(&gone));
		rfs_prefix_gone(error, "while the MFT was searched for");
		return false;
	}
	uint64_t clusters = 0;
	if (runs->count > 0) {
		const Run *last = &runs->runs[runs->count - 1];
		clusters = last->vcn + last->length_clusters;
	}
	*data_size = clusters * bare->mft.boot.cluster_size;
	if (*data_size / bare->mft.boot.mft_record_size < MFT_RECORD_FIRST_USER) {
		runlist_clear(runs);
		return rfs_set_corrupt(error, "no MFT found on the volume: %" PRIu64 " records placed",
				       stats->records_found);
	}
	return true;
}
