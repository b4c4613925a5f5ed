/* Carved FILE records joined to the scan. "The same record" means the same number, the
 * same file (the same sequence number, or today's record freed since, one number on, and the
 * same creation time) and the same content: the used bytes after fixups, without the fields that change while the
 * file does not (carved_record_digest). Memory grows with the records found: one digest and
 * one node per record kept. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/mft_carve.h"

#include <string.h>

#include "ntfs/carved_record.h"

enum {
	CARVE_MAX_VERSIONS = 128, /* RFS_ORIGIN_CARVED(n), n = 0..127 */
};

struct MftCarve {
	uint8_t *buf;           /* the candidate, copied: decoding writes its fixups */
	uint8_t *now;           /* today's record of the same number */
	GHashTable *seen;       /* GBytes (number, sequence, digest) of every record kept or dropped */
	GHashTable *versions;   /* record number (guint64*) -> carved versions kept */
	uint64_t kept, rejected, system, in_mft, copies, duplicates, older, empty, too_many;
};

MftCarve *mft_carve_new(const Volume *vol)
{
	MftCarve *c = g_new0(MftCarve, 1);
	c->buf = g_malloc(vol->mft.boot.mft_record_size);
	c->now = g_malloc(vol->mft.boot.mft_record_size);
	c->seen = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
	c->versions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	return c;
}

void mft_carve_free(MftCarve *c)
{
	if (c == NULL)
		return;
	g_hash_table_unref(c->seen);
	g_hash_table_unref(c->versions);
	g_free(c->buf);
	g_free(c->now);
	g_free(c);
}

/* Inside the clusters today's $MFT maps: with --deep=all the sweep passes over them, and the
 * MFT pass has read each record there at its place already. */
static bool in_current_mft(const Volume *vol, uint64_t offset)
{
	uint64_t lcn = offset / vol->mft.boot.cluster_size;
	for (size_t i = 0; i < vol->mft.runs.count; i++) {
		const Run *r = &vol->mft.runs.runs[i];
		if (r->lcn != RUN_LCN_SPARSE && lcn >= r->lcn && lcn - r->lcn < r->length_clusters)
			return true;
	}
	return false;
}

/* False when a record of this number, sequence and content was met before. */
static bool first_sighting(MftCarve *c, const MftRecord *rec, const uint8_t *digest)
{
	uint8_t key[8 + 2 + CARVED_RECORD_DIGEST_BYTES];
	memcpy(key, &rec->record_number, 8);
	memcpy(key + 8, &rec->sequence, 2);
	memcpy(key + 10, digest, CARVED_RECORD_DIGEST_BYTES);
	GBytes *b = g_bytes_new(key, sizeof key);
	if (g_hash_table_contains(c->seen, b)) {
		g_bytes_unref(b);
		return false;
	}
	g_hash_table_add(c->seen, b);
	return true;
}

typedef enum {
	CARVE_OTHER_FILE, /* today's record holds another file, or nothing readable */
	CARVE_SAME,       /* today's record says the same */
	CARVE_OLDER,      /* the same file, an earlier state of it */
} CarveKinship;

/* $STANDARD_INFORMATION's creation time, or 0: a file keeps it for life, so two records of
 * one number and sequence with different ones are two files (a format starts both numbers
 * again). */
static int64_t creation_time(const MftRecord *rec)
{
	AttributeIter it;
	Attribute a;
	StandardInformation si;
	attribute_iter_init(&it, rec);
	while (attribute_iter_next(&it, &a, NULL) == ATTRIBUTE_NEXT_OK)
		if (a.type == ATTR_STANDARD_INFORMATION && !a.non_resident)
			return standard_information_parse(a.value, &si, NULL) ? si.creation : 0;
	return 0;
}

static CarveKinship compare_with_mft(ScanPass *pass, const MftRecord *rec, const uint8_t *digest)
{
	const MftReader *mft = &pass->vol->mft;
	MftCarve *c = pass->carve;
	MftRecord now;
	if (rec->record_number >= mft->records ||
	    !mft_reader_load_record(mft, rec->record_number, c->now, &now, NULL))
		return CARVE_OTHER_FILE;
	bool same_file = now.sequence == rec->sequence ||
			 (!(now.flags & MFT_RECORD_IN_USE) && now.sequence == mft_sequence_next(rec->sequence));
	if (!same_file || now.base.record != 0 || creation_time(&now) != creation_time(rec))
		return CARVE_OTHER_FILE;
	uint8_t d[CARVED_RECORD_DIGEST_BYTES];
	carved_record_digest(c->now, &now, d);
	return memcmp(d, digest, sizeof d) == 0 ? CARVE_SAME : CARVE_OLDER;
}

/* The next version number of `record`, or CARVE_MAX_VERSIONS when all are taken. */
static unsigned take_version(MftCarve *c, uint64_t record)
{
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(c->versions, &record));
	if (n >= CARVE_MAX_VERSIONS)
		return CARVE_MAX_VERSIONS;
	/* a key that exists stays and the new copy is freed */
	g_hash_table_insert(c->versions, g_memdup2(&record, sizeof record), GUINT_TO_POINTER(n + 1));
	return n;
}

/* A record that never held a file has no name and no data: nothing to restore. */
static bool holds_nothing(const MftFile *f)
{
	if (f->has_name)
		return false;
	for (guint i = 0; i < f->streams->len; i++)
		if (((const MftStream *)g_ptr_array_index(f->streams, i))->data_size > 0)
			return false;
	return true;
}

void mft_carve_candidate(ScanPass *pass, uint64_t offset, const uint8_t *bytes, size_t size)
{
	MftCarve *c = pass->carve;
	const Volume *vol = pass->vol;
	if (c == NULL || size != vol->mft.boot.mft_record_size)
		return;
	if (in_current_mft(vol, offset)) {
		c->in_mft++;
		return;
	}
	memcpy(c->buf, bytes, size);
	MftRecord rec;
	g_autoptr(GError) error = NULL;
	if (!carved_record_decode(c->buf, size, &rec, &error)) {
		g_debug("byte %" PRIu64 ": %s", offset, error->message);
		c->rejected++;
		return;
	}
	if (rec.record_number < MFT_RECORD_FIRST_USER) {
		c->system++; /* metadata files are today's; the old root maps onto today's root */
		return;
	}
	uint8_t digest[CARVED_RECORD_DIGEST_BYTES];
	carved_record_digest(c->buf, &rec, digest);
	if (!first_sighting(c, &rec, digest)) {
		c->copies++;
		return;
	}
	CarveKinship kin = compare_with_mft(pass, &rec, digest);
	if (kin == CARVE_SAME) {
		c->duplicates++;
		return;
	}
	g_autoptr(MftFile) f = carved_record_build(&vol->mft, &rec, 0);
	if (holds_nothing(f)) {
		c->empty++;
		return;
	}
	unsigned n = take_version(c, rec.record_number);
	if (n >= CARVE_MAX_VERSIONS) {
		c->too_many++;
		return;
	}
	c->older += kin == CARVE_OLDER;
	MftScanOrigin origin = {
		.origin = RFS_ORIGIN_CARVED(n),
		.carved = true,
		.offset = offset,
		.name_tag = kin == CARVE_OLDER ? "carved" : NULL,
	};
	mft_scan_add_file(pass, f, &rec, &origin);
	pass->index->stats.carved_records++;
	c->kept++;
}

void mft_carve_report(const MftCarve *c)
{
	if (c == NULL)
		return;
	g_info("carved FILE records: %" PRIu64 " kept, %" PRIu64 " rejected, %" PRIu64 " system, %" PRIu64 " inside $MFT, %" PRIu64
	       " copies, %" PRIu64 " duplicates of today's, %" PRIu64 " older versions, %" PRIu64 " empty, %" PRIu64
	       " past %d versions", c->kept, c->rejected, c->system, c->in_mft, c->copies, c->duplicates, c->older,
	       c->empty, c->too_many, CARVE_MAX_VERSIONS);
}
