/* Assembles a file from its base record and the extension records named by its
 * $ATTRIBUTE_LIST: preferred name, times, and every $DATA stream with its full runlist.
 * Missing or reused extension records make the file `incomplete`, never a failure. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/mft_file.h"

#include <string.h>

#include "util/error.h"
#include "util/utf16.h"

enum {
	ATTRIBUTE_LIST_MAX_BYTES = 1024 * 1024, /* 64k entries: far beyond real lists */
	EXTENSION_RECORDS_MAX = 4096,
	STREAMS_MAX = 256, /* the unnamed stream and the 255 named ones an entry id can carry */
	RUNS_MAX = 1 << 20, /* a stream of a million fragments is already absurd: cap the memory */
};

void mft_stream_free(MftStream *stream)
{
	if (stream == NULL)
		return;
	g_free(stream->name);
	g_free(stream->resident_data);
	runlist_clear(&stream->runs);
	if (stream->embedded)
		*stream = (MftStream){ .embedded = true }; /* free for the next first stream */
	else
		g_free(stream);
}

void mft_file_free(MftFile *file)
{
	if (file == NULL)
		return;
	g_free(file->name);
	g_ptr_array_unref(file->streams);
	g_free(file);
}

MftStream *mft_file_stream(const MftFile *file, const char *name)
{
	for (guint i = 0; i < file->streams->len; i++) {
		MftStream *s = g_ptr_array_index(file->streams, i);
		if (g_strcmp0(s->name, name) == 0)
			return s;
	}
	return NULL;
}

MftStream *mft_file_steal_stream(MftFile *file, const char *name)
{
	for (guint i = 0; i < file->streams->len; i++) {
		MftStream *s = g_ptr_array_index(file->streams, i);
		if (g_strcmp0(s->name, name) != 0)
			continue;
		g_ptr_array_steal_index(file->streams, i);
		if (!s->embedded)
			return s;
		MftStream *owned = g_memdup2(s, sizeof *s); /* the caller outlives the file */
		owned->embedded = false;
		*s = (MftStream){ .embedded = true };
		return owned;
	}
	return NULL;
}

/* Win32 and POSIX names are what users typed; DOS 8.3 names only stand in when alone. */
static int name_rank(uint8_t name_space)
{
	return name_space == FILE_NAME_DOS ? 0 : 1;
}

static void take_file_name(MftFile *file, const Attribute *attr, int *best_rank)
{
	FileName fn;
	if (attr->non_resident || !file_name_parse(attr->value, &fn, NULL))
		return;
	int rank = name_rank(fn.name_space);
	if (rank <= *best_rank)
		return;
	*best_rank = rank;
	g_free(file->name);
	file->name = utf16_to_utf8_name(fn.name, fn.name_length);
	file->has_name = true;
	file->parent = fn.parent;
	file->fn_times[0] = fn.creation;
	file->fn_times[1] = fn.last_write;
	file->fn_times[2] = fn.mft_change;
	file->fn_times[3] = fn.last_access;
	file->fn_data_size = fn.data_size;
}

static MftStream *stream_for(MftFile *file, const Attribute *attr)
{
	g_autofree char *name = attr->name_length > 0 ? utf16_to_utf8_name(attr->name, attr->name_length) : NULL;
	MftStream *s = mft_file_stream(file, name);
	if (s == NULL && file->streams->len >= STREAMS_MAX) {
		file->incomplete = true; /* more than the index can show: not worth the time */
		return NULL;
	}
	if (s == NULL) {
		s = file->streams->len == 0 ? &file->first_stream : g_new0(MftStream, 1);
		s->embedded = s == &file->first_stream;
		s->name = g_steal_pointer(&name);
		g_ptr_array_add(file->streams, s);
	}
	return s;
}

static void take_data(MftFile *file, const Attribute *attr, uint32_t flags)
{
	MftStream *s = stream_for(file, attr);
	if (s == NULL)
		return;
	if (!attr->non_resident) {
		if (s->has_first_extent)
			return;
		s->has_first_extent = true;
		s->resident = true;
		s->attr_flags = attr->flags;
		s->data_size = s->initialized_size = s->allocated_size = attr->value.size;
		if (!(flags & MFT_FILE_NO_RESIDENT_DATA))
			s->resident_data = g_memdup2(attr->value.data, attr->value.size);
		return;
	}
	if (attr->first_vcn == 0 && !s->has_first_extent) {
		s->has_first_extent = true;
		s->attr_flags = attr->flags;
		s->data_size = attr->data_size;
		s->initialized_size = attr->initialized_size;
		s->allocated_size = attr->allocated_size;
		s->compression_unit = attr->compression_unit;
	}
	g_autoptr(GError) error = NULL;
	if (s->runs.count >= RUNS_MAX) {
		s->incomplete = true;
		return;
	}
	/* No volume limit here: runs past the end stay, and reading them answers EIO. */
	if (!runlist_decode(attr->mapping_pairs, attr->first_vcn, 0, &s->runs, &error)) {
		g_debug("record %" PRIu64 ": stream %s: %s", file->record_number,
			s->name != NULL ? s->name : "(unnamed)", error->message);
		s->incomplete = true;
	}
}

static void take_attributes(MftFile *file, const MftRecord *rec, uint32_t flags, int *best_rank,
			    Attribute *attr_list)
{
	AttributeIter it;
	Attribute attr;
	AttributeNext next;
	g_autoptr(GError) error = NULL;
	attribute_iter_init(&it, rec);
	while ((next = attribute_iter_next(&it, &attr, &error)) == ATTRIBUTE_NEXT_OK) {
		switch (attr.type) {
		case ATTR_STANDARD_INFORMATION:
			if (!file->has_si && !attr.non_resident)
				file->has_si = standard_information_parse(attr.value, &file->si, NULL);
			break;
		case ATTR_FILE_NAME:
			take_file_name(file, &attr, best_rank);
			break;
		case ATTR_DATA:
			if (!(flags & MFT_FILE_NAMES_ONLY))
				take_data(file, &attr, flags);
			break;
		case ATTR_ATTRIBUTE_LIST:
			if (attr_list != NULL)
				*attr_list = attr;
			break;
		default:
			break;
		}
	}
	if (next == ATTRIBUTE_NEXT_ERROR) {
		g_debug("record %" PRIu64 ": %s", rec->record_number, error->message);
		file->incomplete = true;
	}
}

/* The list's bytes: resident in the record, or read through its own runlist. */
static uint8_t *read_attribute_list(const MftReader *reader, const Attribute *attr, size_t *size)
{
	if (!attr->non_resident) {
		*size = attr->value.size;
		return g_memdup2(attr->value.data, attr->value.size);
	}
	if (attr->data_size > ATTRIBUTE_LIST_MAX_BYTES || attr->first_vcn != 0)
		return NULL;
	Runlist runs = { 0 };
	g_autoptr(GError) error = NULL;
	uint8_t *buf = g_malloc(attr->data_size > 0 ? attr->data_size : 1);
	if (!runlist_decode(attr->mapping_pairs, 0, reader->boot.total_clusters, &runs, &error) ||
	    !mft_reader_read_runs(reader, &runs, 0, buf, attr->data_size, &error)) {
		g_debug("$ATTRIBUTE_LIST: %s", error->message);
		g_clear_pointer(&buf, g_free);
	}
	runlist_clear(&runs);
	*size = attr->data_size;
	return buf;
}

/* A deleted file's extension records were freed with it, which bumps their sequence
 * number once; a record whose base is someone else now was reused and holds nothing of ours. */
static bool extension_is_ours(const MftRecord *ext, const MftFile *file, MftRef listed)
{
	return ext->base.record == file->record_number &&
	       (ext->sequence == listed.sequence || ext->sequence == mft_sequence_next(listed.sequence));
}

static void take_extensions(const MftReader *reader, MftFile *file, const Attribute *list_attr,
			    uint32_t flags, MftFileBudget *budget, int *best_rank)
{
	size_t size = 0;
	g_autofree uint8_t *list = read_attribute_list(reader, list_attr, &size);
	if (list == NULL) {
		file->incomplete = true;
		return;
	}
	g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_autofree uint8_t *buf = g_malloc(reader->boot.mft_record_size);
	AttributeListIter it;
	AttributeListEntry e;
	attribute_list_iter_init(&it, byte_span(list, size));
	while (attribute_list_iter_next(&it, &e, NULL) == ATTRIBUTE_NEXT_OK) {
		if (e.ref.record == file->record_number ||
		    g_hash_table_contains(seen, GSIZE_TO_POINTER(e.ref.record)))
			continue;
		if ((flags & MFT_FILE_NAMES_ONLY) && e.type != ATTR_FILE_NAME)
			continue;
		bool over_budget = budget != NULL && budget->extension_reads_left == 0;
		if (g_hash_table_size(seen) >= EXTENSION_RECORDS_MAX || over_budget) {
			file->incomplete = true;
			break;
		}
		if (budget != NULL)
			budget->extension_reads_left--;
		g_hash_table_add(seen, GSIZE_TO_POINTER(e.ref.record));
		MftRecord ext;
		g_autoptr(GError) error = NULL;
		if (!mft_reader_load_record(reader, e.ref.record, buf, &ext, &error) ||
		    !extension_is_ours(&ext, file, e.ref)) {
			g_debug("record %" PRIu64 ": extension record %" PRIu64 " lost%s%s",
				file->record_number, e.ref.record, error != NULL ? ": " : " (reused)",
				error != NULL ? error->message : "");
			file->incomplete = true;
			continue;
		}
		take_attributes(file, &ext, flags, best_rank, NULL);
	}
}

/* Sizes come from disk and drive every read and copy: a size past the allocation, or past
 * what the volume or the runlist can hold, is cut back (and the stream marked incomplete),
 * so a forged size cannot make an extraction write exabytes of zeros. */
static void clamp_sizes(const MftReader *reader, MftStream *s, uint64_t mapped_vcns)
{
	uint64_t cs = reader->boot.cluster_size;
	uint64_t limit = s->allocated_size;
	uint64_t mapped_bytes = 0, volume_bytes = reader->boot.total_clusters * cs;
	if (!g_uint64_checked_mul(&mapped_bytes, mapped_vcns, cs))
		mapped_bytes = UINT64_MAX;
	/* Sparse and compressed streams may be larger than the volume, but their runlist
	 * (holes included) covers all of them; other streams fit in the volume. */
	bool may_exceed_volume = s->attr_flags & (ATTR_FLAG_SPARSE | ATTR_FLAG_COMPRESSED);
	limit = MIN(limit, may_exceed_volume ? mapped_bytes : volume_bytes);
	limit = MIN(limit, (uint64_t)INT64_MAX);
	if (s->data_size > limit) {
		g_debug("stream %s: size %" PRIu64 " cut to %" PRIu64, s->name != NULL ? s->name : "(unnamed)",
			s->data_size, limit);
		s->data_size = limit;
		s->incomplete = true;
	}
	s->initialized_size = MIN(s->initialized_size, s->data_size);
}

/* Sorts each runlist and checks it covers the allocation without gaps. */
static void finish_streams(const MftReader *reader, MftFile *file)
{
	uint32_t cs = reader->boot.cluster_size;
	for (guint i = 0; i < file->streams->len; i++) {
		MftStream *s = g_ptr_array_index(file->streams, i);
		if (!s->has_first_extent) {
			s->incomplete = true; /* sizes unknown: only its extents are left */
			s->data_size = s->initialized_size = 0;
			continue;
		}
		if (s->resident)
			continue;
		if (!runlist_sort(&s->runs, NULL)) { /* overlapping extents: trust none */
			runlist_clear(&s->runs);
			s->incomplete = true;
			clamp_sizes(reader, s, 0);
			continue;
		}
		uint64_t vcn = 0;
		for (size_t r = 0; r < s->runs.count; r++) {
			if (s->runs.runs[r].vcn != vcn)
				s->incomplete = true;
			vcn = s->runs.runs[r].vcn + s->runs.runs[r].length_clusters;
		}
		uint64_t need = s->data_size / cs + (s->data_size % cs != 0);
		if (vcn < need)
			s->incomplete = true;
		clamp_sizes(reader, s, vcn);
	}
}

void mft_file_budget_init(MftFileBudget *budget, uint64_t mft_records)
{
	/* Each extension record belongs to one base, so a whole pass reads each at most once;
	 * a forged MFT whose lists all point at the same records would otherwise cost
	 * records x EXTENSION_RECORDS_MAX reads. One file's cap on top: the budget never
	 * refuses what a single honest file may need. */
	if (!g_uint64_checked_add(&budget->extension_reads_left, mft_records, EXTENSION_RECORDS_MAX))
		budget->extension_reads_left = UINT64_MAX;
}

MftFile *mft_file_build(const MftReader *reader, const MftRecord *rec, uint32_t flags,
			MftFileBudget *budget, GError **error)
{
	g_return_val_if_fail(reader != NULL && rec != NULL, NULL);
	MftFile *file = g_new0(MftFile, 1);
	file->record_number = rec->record_number;
	file->sequence = rec->sequence;
	file->record_flags = rec->flags;
	file->streams = g_ptr_array_new_with_free_func((GDestroyNotify)mft_stream_free);
	int best_rank = -1;
	Attribute list_attr = { 0 };
	take_attributes(file, rec, flags, &best_rank, &list_attr);
	if (list_attr.type == ATTR_ATTRIBUTE_LIST)
		take_extensions(reader, file, &list_attr, flags, budget, &best_rank);
	finish_streams(reader, file);
	(void)error;
	return file;
}

MftFile *mft_file_load(const MftReader *reader, uint64_t record_number, uint32_t flags,
		       GError **error)
{
	g_autofree uint8_t *buf = g_malloc(reader->boot.mft_record_size);
	MftRecord rec;
	if (!mft_reader_load_record(reader, record_number, buf, &rec, error))
		return NULL;
	return mft_file_build(reader, &rec, flags, NULL, error);
}
