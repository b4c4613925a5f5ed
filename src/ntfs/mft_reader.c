/* Reading the MFT's records and an attribute's clusters, given $MFT's runlist; and the
 * bootstrap reads that come before it: record 0 where the boot sector says, and its first
 * $DATA extent. Builds nothing from attribute lists (mft_file.c, volume.c). Never writes. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/mft_reader.h"

#include <inttypes.h>
#include <string.h>

#include "util/error.h"

bool mft_reader_read_boot_record(BlockSource *src, uint64_t volume_offset, const BootSector *boot,
				 uint64_t mft_lcn, uint64_t record_number, uint8_t *buf,
				 MftRecord *out, GError **error)
{
	uint32_t rs = boot->mft_record_size;
	uint64_t at = 0, rel = 0;
	if (mft_lcn >= boot->total_clusters)
		return rfs_set_corrupt(error, "the MFT at cluster %" PRIu64 " is outside the volume", mft_lcn);
	if (!g_uint64_checked_mul(&at, mft_lcn, boot->cluster_size) ||
	    !g_uint64_checked_mul(&rel, record_number, rs) || !g_uint64_checked_add(&at, at, rel) ||
	    !g_uint64_checked_add(&at, at, volume_offset))
		return rfs_set_corrupt(error, "record %" PRIu64 " after cluster %" PRIu64 " lies past the end of any source",
				       record_number, mft_lcn);
	if (!block_source_read(src, at, buf, rs, error))
		return false;
	return mft_record_decode(buf, rs, record_number, out, error);
}

bool mft_reader_probe(BlockSource *src, uint64_t volume_offset, const BootSector *boot, GError **error)
{
	g_autofree uint8_t *buf = g_malloc(boot->mft_record_size);
	MftRecord rec;
	if (!mft_reader_read_boot_record(src, volume_offset, boot, boot->mft_lcn, MFT_RECORD_MFT, buf,
					 &rec, error))
		return false;
	if (rec.has_own_number && rec.own_number != MFT_RECORD_MFT)
		return rfs_set_corrupt(error, "the record at the MFT's cluster is record %" PRIu32 ", not 0",
				       rec.own_number);
	return true;
}

void mft_reader_clear(MftReader *reader)
{
	runlist_clear(&reader->runs);
	reader->records = 0;
}

bool mft_reader_init_first_extent(MftReader *reader, BlockSource *src, const BootSector *boot,
				  const MftRecord *rec0, GError **error)
{
	*reader = (MftReader){ .src = src, .boot = *boot };
	AttributeIter it;
	Attribute attr;
	AttributeNext next;
	attribute_iter_init(&it, rec0);
	while ((next = attribute_iter_next(&it, &attr, error)) == ATTRIBUTE_NEXT_OK) {
		if (attr.type != ATTR_DATA || attr.name_length != 0 || !attr.non_resident ||
		    attr.first_vcn != 0)
			continue;
		if (!runlist_decode(attr.mapping_pairs, 0, boot->total_clusters, &reader->runs, error)) {
			mft_reader_clear(reader);
			return false;
		}
		reader->records = attr.data_size / boot->mft_record_size;
		break;
	}
	if (next == ATTRIBUTE_NEXT_ERROR) {
		mft_reader_clear(reader);
		return false;
	}
	if (reader->runs.count == 0) {
		mft_reader_clear(reader);
		return rfs_set_corrupt(error, "$MFT record 0 has no $DATA attribute");
	}
	return true;
}

static int run_index_by_lcn(const void *pa, const void *pb, void *user_data)
{
	const Run *runs = user_data;
	uint64_t a = runs[*(const size_t *)pa].lcn, b = runs[*(const size_t *)pb].lcn;
	return a < b ? -1 : a > b;
}

/* Two runs of $MFT that map the same clusters make two ranges of records read the same
 * bytes: worth one warning that names them, not a refusal, since every record still
 * decodes or fails on its own. Runs lie on the volume (checked before), so ends do not wrap. */
static void warn_self_overlap(const Runlist *runs)
{
	if (runs->count < 2 || runs->count > (size_t)G_MAXINT)
		return;
	g_autofree size_t *order = g_new(size_t, runs->count);
	for (size_t i = 0; i < runs->count; i++)
		order[i] = i;
	g_qsort_with_data(order, (gint)runs->count, sizeof *order, run_index_by_lcn, runs->runs);
	size_t widest = order[0]; /* of the runs so far, the one reaching furthest */
	for (size_t k = 1; k < runs->count; k++) {
		const Run *w = &runs->runs[widest], *r = &runs->runs[order[k]];
		if (r->lcn < w->lcn + w->length_clusters) {
			size_t a = MIN(widest, order[k]), b = MAX(widest, order[k]);
			g_warning("$MFT: runs %zu (LCN %" PRIu64 "+%" PRIu64 ") and %zu (LCN %" PRIu64 "+%" PRIu64
				  ") map the same clusters; the records there read the same bytes",
				  a, runs->runs[a].lcn, runs->runs[a].length_clusters,
				  b, runs->runs[b].lcn, runs->runs[b].length_clusters);
			return;
		}
		if (r->lcn + r->length_clusters > w->lcn + w->length_clusters)
			widest = order[k];
	}
}

bool mft_reader_init(MftReader *reader, BlockSource *src, const BootSector *boot, Runlist *runs,
		     uint64_t data_size, GError **error)
{
	*reader = (MftReader){ .src = src, .boot = *boot, .runs = *runs };
	*runs = (Runlist){ 0 };
	uint64_t total = boot->total_clusters, mapped = 0;
	for (size_t i = 0; i < reader->runs.count; i++) {
		const Run *r = &reader->runs.runs[i];
		if (r->lcn == RUN_LCN_SPARSE || r->lcn >= total || r->length_clusters > total - r->lcn) {
			rfs_set_corrupt(error, "$MFT: run %zu (LCN %" PRIu64 "+%" PRIu64 ") is not on the volume",
					i, r->lcn, r->length_clusters);
			mft_reader_clear(reader);
			return false;
		}
		mapped = MIN(mapped + r->length_clusters, total); /* no wrap */
	}
	warn_self_overlap(&reader->runs);
	uint64_t max_records = mapped * boot->cluster_size / boot->mft_record_size;
	reader->records = data_size / boot->mft_record_size;
	if (reader->records > max_records) {
		g_warning("$MFT claims %" PRIu64 " records but its runlist maps %" PRIu64 "; scanning those",
			  reader->records, max_records);
		reader->records = max_records;
	}
	if (reader->records < MFT_RECORD_FIRST_USER) {
		rfs_set_corrupt(error, "$MFT holds only %" PRIu64 " records", reader->records);
		mft_reader_clear(reader);
		return false;
	}
	return true;
}

bool mft_reader_read_runs(const MftReader *reader, const Runlist *runs, uint64_t offset, void *buf,
			  size_t length, GError **error)
{
	uint32_t cs = reader->boot.cluster_size;
	uint8_t *out = buf;
	while (length > 0) {
		uint64_t vcn = offset / cs;
		const Run *run = runlist_lookup(runs, vcn);
		if (run == NULL || run->lcn == RUN_LCN_SPARSE)
			return rfs_set_corrupt(error, "VCN %" PRIu64 " is %s", vcn,
					       run == NULL ? "not mapped" : "sparse");
		uint64_t in_run = run_bytes_left(run, offset, cs);
		size_t n = length < in_run ? length : (size_t)in_run;
		uint64_t lcn = run->lcn + (vcn - run->vcn);
		uint64_t total = reader->boot.total_clusters;
		uint64_t more = (offset % cs + n - 1) / cs; /* clusters after lcn that n reaches */
		if (lcn >= total || more >= total - lcn)
			return rfs_set_corrupt(error, "LCN %" PRIu64 "+%" PRIu64 " reaches past the end of the volume (%" PRIu64 " clusters)",
					       lcn, more + 1, total);
		if (!block_source_read(reader->src, lcn * cs + offset % cs, out, n, error))
			return false;
		out += n;
		offset += n;
		length -= n;
	}
	return true;
}

bool mft_reader_read_record(const MftReader *reader, uint64_t record_number, uint8_t *buf,
			    GError **error)
{
	uint32_t rs = reader->boot.mft_record_size;
	if (record_number >= reader->records)
		return rfs_set_corrupt(error, "record %" PRIu64 " is past the end of the MFT (%" PRIu64 " records)",
				       record_number, reader->records);
	if (!mft_reader_read_runs(reader, &reader->runs, record_number * rs, buf, rs, error)) {
		g_prefix_error(error, "record %" PRIu64 ": ", record_number);
		return false;
	}
	return true;
}

bool mft_reader_load_record(const MftReader *reader, uint64_t record_number, uint8_t *buf,
			    MftRecord *out, GError **error)
{
	return mft_reader_read_record(reader, record_number, buf, error) &&
	       mft_record_decode(buf, reader->boot.mft_record_size, record_number, out, error);
}
