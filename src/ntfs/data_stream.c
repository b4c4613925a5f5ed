/* Serves a stream's bytes. Lock-free: the only mutable state is a one-unit cache of the last
 * decompressed compression unit, swapped in and out atomically. Never returns a short read
 * except at the end of the stream, so a page cache above never mistakes an error for EOF.
 * Ranges whose extents are lost read as zeros or fail, as the options say; a failed device
 * read always fails. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/data_stream.h"

#include <string.h>

#include "ntfs/lznt1.h"
#include "util/error.h"

typedef struct {
	uint64_t unit;
	size_t size;
	uint8_t data[];
} UnitCache;

struct DataStream {
	const Volume *vol;
	MftStream *stream;
	bool deleted;
	RfsOverwritePolicy policy;
	RfsUnreadablePolicy unreadable;
	uint64_t unreadable_bytes; /* bytes in lost ranges, counted once on open */
	uint32_t unit_clusters; /* compression unit; 0 when not compressed */
	uint64_t unit_bytes;
	gpointer cache;         /* UnitCache*, swapped atomically */
};

/* Per-thread scratch for compressed clusters: no allocation per read. */
static void scratch_free(gpointer p)
{
	g_free(p);
}
static GPrivate scratch_key = G_PRIVATE_INIT(scratch_free);
static GPrivate scratch_size_key;

static uint8_t *scratch(size_t size)
{
	uint8_t *buf = g_private_get(&scratch_key);
	size_t have = GPOINTER_TO_SIZE(g_private_get(&scratch_size_key));
	if (buf == NULL || have < size) {
		buf = g_malloc(size);
		g_private_replace(&scratch_key, buf);
		g_private_set(&scratch_size_key, GSIZE_TO_POINTER(size));
	}
	return buf;
}

/* Bytes of clusters [from, to) that lie below `limit` bytes, saturating. */
static uint64_t clusters_below(uint64_t from, uint64_t to, uint32_t cs, uint64_t limit)
{
	uint64_t a, b;
	if (!g_uint64_checked_mul(&a, from, cs))
		a = UINT64_MAX;
	if (!g_uint64_checked_mul(&b, to, cs))
		b = UINT64_MAX;
	a = MIN(a, limit);
	b = MIN(b, limit);
	return b > a ? b - a : 0;
}

/* The bytes reads will treat as lost: every gap in the runlist below the data's end,
 * widened to whole compression units when compressed (such a unit cannot be decompressed),
 * and only below the initialized size, past which everything reads as zeros anyway. */
static uint64_t count_unreadable(const DataStream *ds)
{
	const MftStream *s = ds->stream;
	if (s->resident)
		return 0;
	uint32_t cs = ds->vol->mft.boot.cluster_size;
	uint64_t limit = MIN(s->initialized_size, s->data_size);
	uint64_t data_vcns = s->data_size / cs + (s->data_size % cs != 0);
	uint64_t group = ds->unit_clusters != 0 ? ds->unit_clusters : 1;
	uint64_t lost = 0, counted_to = 0, vcn = 0;
	for (size_t i = 0; i <= s->runs.count && vcn < data_vcns; i++) {
		uint64_t gap_end = MIN(i < s->runs.count ? s->runs.runs[i].vcn : UINT64_MAX, data_vcns);
		if (gap_end > vcn) {
			uint64_t from = MAX(vcn / group * group, counted_to);
			uint64_t to = gap_end / group * group;
			if (to < gap_end)
				to = to > UINT64_MAX - group ? UINT64_MAX : to + group;
			if (to > from)
				lost += clusters_below(from, to, cs, limit);
			counted_to = MAX(counted_to, to);
		}
		if (i < s->runs.count &&
		    !g_uint64_checked_add(&vcn, s->runs.runs[i].vcn, s->runs.runs[i].length_clusters))
			break;
	}
	return lost;
}

DataStream *data_stream_new(const Volume *vol, MftStream *stream, bool deleted,
			    const RfsStreamOptions *options, GError **error)
{
	uint32_t cs = vol->mft.boot.cluster_size;
	bool compressed = !stream->resident && (stream->attr_flags & ATTR_FLAG_COMPRESSED) &&
			  stream->compression_unit != 0;
	if (compressed && (cs > 4096 || stream->compression_unit > 8)) {
		rfs_set_unsupported(error, "compression with %u-byte clusters and units of 2^%u clusters",
				    cs, stream->compression_unit);
		mft_stream_free(stream);
		return NULL;
	}
	DataStream *ds = g_new0(DataStream, 1);
	ds->vol = vol;
	ds->stream = stream;
	ds->deleted = deleted;
	if (options != NULL) {
		ds->policy = options->overwritten;
		ds->unreadable = options->unreadable;
	}
	if (compressed) {
		ds->unit_clusters = 1u << stream->compression_unit;
		ds->unit_bytes = (uint64_t)ds->unit_clusters * cs;
	}
	ds->unreadable_bytes = count_unreadable(ds);
	return ds;
}

uint64_t data_stream_unreadable_bytes(const DataStream *ds)
{
	return ds->unreadable_bytes;
}

uint64_t data_stream_size(const DataStream *ds)
{
	return ds->stream->data_size;
}

bool data_stream_next_data(const DataStream *ds, uint64_t offset, uint64_t *start, uint64_t *end)
{
	const MftStream *s = ds->stream;
	uint64_t limit = s->resident ? s->data_size : MIN(s->data_size, s->initialized_size);
	if (offset >= limit)
		return false;
	if (s->resident || ds->unit_bytes != 0) {
		*start = offset;
		*end = limit;
		return true;
	}
	uint32_t cs = ds->vol->mft.boot.cluster_size;
	for (uint64_t vcn = offset / cs;;) {
		const Run *run = runlist_lookup(&s->runs, vcn);
		if (run == NULL) {
			uint64_t next = runlist_next_vcn(&s->runs, vcn);
			if (next <= vcn || next == UINT64_MAX)
				return false;
			vcn = next;
		} else if (run->lcn == RUN_LCN_SPARSE) {
			vcn = run->vcn + run->length_clusters; /* runs never wrap: runlist_decode */
		} else {
			uint64_t from = 0, to = 0;
			if (!g_uint64_checked_mul(&from, vcn, cs) || from >= limit)
				return false;
			if (!g_uint64_checked_mul(&to, run->vcn + run->length_clusters, cs))
				to = UINT64_MAX;
			*start = MAX(from, offset);
			*end = MIN(to, limit);
			return true;
		}
	}
}

void data_stream_free(DataStream *ds)
{
	if (ds == NULL)
		return;
	g_free(g_atomic_pointer_exchange(&ds->cache, NULL));
	mft_stream_free(ds->stream);
	g_free(ds);
}

/* Reads clusters [lcn, lcn + n) honouring the overwrite policy, into out. */
static bool read_clusters(DataStream *ds, uint64_t lcn, uint64_t skip, uint8_t *out, size_t length,
			  GError **error)
{
	const Volume *vol = ds->vol;
	uint32_t cs = vol->mft.boot.cluster_size;
	uint64_t clusters = (skip + length + cs - 1) / cs;
	if (lcn >= vol->mft.boot.total_clusters || clusters > vol->mft.boot.total_clusters - lcn)
		return rfs_set_io(error, "clusters %" PRIu64 "+%" PRIu64 " lie past the end of the volume",
				  lcn, clusters);
	uint64_t busy = (ds->deleted && ds->policy != RFS_OVERWRITTEN_RAW)
				? volume_clusters_in_use(vol, lcn, clusters) : 0;
	if (busy > 0 && ds->policy == RFS_OVERWRITTEN_EIO)
		return rfs_set_error(error, RFS_ERROR_OVERWRITTEN,
				     "clusters %" PRIu64 "+%" PRIu64 " now belong to another file", lcn, clusters);
	if (!block_source_read(vol->mft.src, lcn * cs + skip, out, length, error))
		return false;
	if (busy == 0)
		return true;
	for (uint64_t c = 0; c < clusters; c++) { /* zero policy: blank what is not ours any more */
		if (volume_clusters_in_use(vol, lcn + c, 1) == 0)
			continue;
		uint64_t from = c * cs > skip ? c * cs - skip : 0;
		uint64_t to = (c + 1) * cs - skip;
		if (to > length)
			to = length;
		memset(out + from, 0, to - from);
	}
	return true;
}

/* Bytes at `offset` in a gap of the runlist, up to the next run (at most `length`). */
static bool read_lost(DataStream *ds, uint64_t offset, uint8_t *out, size_t length, size_t *done,
		      GError **error)
{
	if (ds->unreadable == RFS_UNREADABLE_EIO)
		return rfs_set_corrupt(error, "bytes at %" PRIu64 ": their extent is lost", offset);
	uint32_t cs = ds->vol->mft.boot.cluster_size;
	uint64_t vcn = offset / cs;
	Run gap = { .vcn = vcn, .length_clusters = runlist_next_vcn(&ds->stream->runs, vcn) - vcn };
	uint64_t left = run_bytes_left(&gap, offset, cs);
	*done = length < left ? length : (size_t)left;
	memset(out, 0, *done);
	return true;
}

/* Bytes at `offset` up to the end of its run (at most `length`), uncompressed. */
static bool read_plain(DataStream *ds, uint64_t offset, uint8_t *out, size_t length, size_t *done,
		       GError **error)
{
	const MftStream *s = ds->stream;
	uint32_t cs = ds->vol->mft.boot.cluster_size;
	if (offset >= s->initialized_size) {
		memset(out, 0, length); /* allocated but never written: reads as zeros */
		*done = length;
		return true;
	}
	if (length > s->initialized_size - offset)
		length = (size_t)(s->initialized_size - offset);
	uint64_t vcn = offset / cs;
	const Run *run = runlist_lookup(&s->runs, vcn);
	if (run == NULL)
		return read_lost(ds, offset, out, length, done, error);
	uint64_t run_left = run_bytes_left(run, offset, cs);
	size_t n = length < run_left ? length : (size_t)run_left;
	*done = n;
	if (run->lcn == RUN_LCN_SPARSE) {
		memset(out, 0, n);
		return true;
	}
	return read_clusters(ds, run->lcn + (vcn - run->vcn), offset % cs, out, n, error);
}

/* Mirrors read_plain() and read_clusters(): any byte those would zero-fill, fail or take
 * through another source's read_at makes the whole range unmappable. */
static bool map_piece(const DataStream *ds, uint64_t offset, size_t *piece, int *fd,
		      uint64_t *fd_offset, const uint8_t **mapped)
{
	const Volume *vol = ds->vol;
	uint32_t cs = vol->mft.boot.cluster_size;
	uint64_t vcn = offset / cs;
	const Run *run = runlist_lookup(&ds->stream->runs, vcn);
	if (run == NULL || run->lcn == RUN_LCN_SPARSE)
		return false;
	uint64_t run_left = run_bytes_left(run, offset, cs);
	if (*piece > run_left)
		*piece = (size_t)run_left;
	uint64_t lcn = run->lcn + (vcn - run->vcn);
	uint64_t skip = offset % cs;
	uint64_t clusters = (skip + *piece + cs - 1) / cs;
	uint64_t total = vol->mft.boot.total_clusters;
	if (lcn >= total || clusters > total - lcn)
		return false;
	if (ds->deleted && ds->policy != RFS_OVERWRITTEN_RAW &&
	    volume_clusters_in_use(vol, lcn, clusters) > 0)
		return false;
	return block_source_fd_range(vol->mft.src, lcn * cs + skip, *piece, fd, fd_offset, mapped);
}

bool data_stream_map_fd(const DataStream *ds, uint64_t offset, size_t length, RfsFdExtent *out,
			size_t max, size_t *count)
{
	const MftStream *s = ds->stream;
	*count = 0;
	if (s->resident || ds->unit_bytes != 0 || (s->attr_flags & ATTR_FLAG_ENCRYPTED) ||
	    offset >= s->data_size)
		return false;
	if (length > s->data_size - offset)
		length = (size_t)(s->data_size - offset);
	if (length == 0 || offset >= s->initialized_size || length > s->initialized_size - offset)
		return false;
	size_t n = 0;
	for (size_t done = 0; done < length;) {
		size_t piece = length - done;
		int fd;
		uint64_t fd_offset;
		const uint8_t *mapped = NULL;
		if (!map_piece(ds, offset + done, &piece, &fd, &fd_offset, &mapped) || piece == 0)
			return false;
		RfsFdExtent *last = n > 0 ? &out[n - 1] : NULL;
		if (last != NULL && last->fd == fd && last->fd_offset + last->length == fd_offset &&
		    (last->mapped == NULL) == (mapped == NULL) &&
		    (mapped == NULL || (const uint8_t *)last->mapped + last->length == mapped)) {
			last->length += piece; /* adjacent runs: one extent */
		} else {
			if (n == max)
				return false;
			out[n++] = (RfsFdExtent){ .fd = fd, .fd_offset = fd_offset, .length = piece,
						  .mapped = mapped };
		}
		done += piece;
	}
	*count = n;
	return true;
}

typedef enum {
	UNIT_OK,
	UNIT_LOST,   /* a gap in the runlist before the data's end: its extents are lost */
	UNIT_FORGED, /* data after the hole, which no writer produces */
} UnitLayout;

/* Counts the unit's allocated and sparse clusters. A unit is compressed exactly when it has
 * both: its data first, then the sparse tail that pads it to full size. */
static UnitLayout unit_layout(const DataStream *ds, uint64_t first_vcn, uint32_t *allocated,
			      uint32_t *sparse)
{
	uint32_t cs = ds->vol->mft.boot.cluster_size;
	uint64_t data_vcns = ds->stream->data_size / cs + (ds->stream->data_size % cs != 0);
	*allocated = 0;
	*sparse = 0;
	for (uint64_t vcn = first_vcn; vcn < first_vcn + ds->unit_clusters;) {
		const Run *run = runlist_lookup(&ds->stream->runs, vcn);
		if (run == NULL) /* the runlist may stop where the data does */
			return vcn >= data_vcns ? UNIT_OK : UNIT_LOST;
		uint64_t n = run->vcn + run->length_clusters - vcn;
		if (n > first_vcn + ds->unit_clusters - vcn)
			n = first_vcn + ds->unit_clusters - vcn;
		if (run->lcn == RUN_LCN_SPARSE)
			*sparse += (uint32_t)n;
		else if (*sparse > 0)
			return UNIT_FORGED;
		else
			*allocated += (uint32_t)n;
		vcn += n;
	}
	return UNIT_OK;
}

/* Reads the unit's compressed clusters and decompresses them into cache->data. */
static bool decompress_unit(DataStream *ds, uint64_t unit, uint32_t allocated, UnitCache *cache,
			    GError **error)
{
	uint32_t cs = ds->vol->mft.boot.cluster_size;
	uint8_t *packed = scratch((size_t)allocated * cs);
	uint64_t vcn = unit * ds->unit_clusters;
	for (uint32_t done = 0; done < allocated;) {
		const Run *run = runlist_lookup(&ds->stream->runs, vcn);
		if (run == NULL || run->lcn == RUN_LCN_SPARSE) /* unit_layout vouched; stay safe */
			return rfs_set_corrupt(error, "compression unit %" PRIu64 ": damaged runlist", unit);
		uint64_t n = run->vcn + run->length_clusters - vcn;
		if (n > allocated - done)
			n = allocated - done;
		if (!read_clusters(ds, run->lcn + (vcn - run->vcn), 0, packed + (size_t)done * cs,
				   (size_t)n * cs, error))
			return false;
		done += (uint32_t)n;
		vcn += n;
	}
	size_t produced = 0;
	if (!lznt1_decompress(byte_span(packed, (size_t)allocated * cs), cache->data, cache->size,
			      &produced, error)) {
		g_prefix_error(error, "compression unit %" PRIu64 ": ", unit);
		return false;
	}
	memset(cache->data + produced, 0, cache->size - produced);
	cache->unit = unit;
	return true;
}

static bool read_compressed(DataStream *ds, uint64_t offset, uint8_t *out, size_t length,
			    size_t *done, GError **error)
{
	uint64_t unit = offset / ds->unit_bytes;
	uint64_t in_unit = offset % ds->unit_bytes;
	size_t n = length < ds->unit_bytes - in_unit ? length : (size_t)(ds->unit_bytes - in_unit);
	uint32_t allocated, sparse;
	UnitLayout layout = unit_layout(ds, unit * ds->unit_clusters, &allocated, &sparse);
	if (layout == UNIT_FORGED)
		return rfs_set_corrupt(error, "compression unit %" PRIu64 ": its runlist is damaged", unit);
	if (layout == UNIT_LOST && ds->unreadable == RFS_UNREADABLE_EIO)
		return rfs_set_corrupt(error, "compression unit %" PRIu64 ": its extents are lost", unit);
	if (layout == UNIT_OK && sparse == 0) /* stored uncompressed */
		return read_plain(ds, offset, out, n, done, error);
	*done = n;
	if (layout == UNIT_LOST || allocated == 0) {
		memset(out, 0, n);
		return true;
	}
	UnitCache *cache = g_atomic_pointer_exchange(&ds->cache, NULL);
	if (cache == NULL) {
		cache = g_malloc(sizeof *cache + ds->unit_bytes);
		cache->size = ds->unit_bytes;
		cache->unit = UINT64_MAX;
	}
	bool ok = cache->unit == unit || decompress_unit(ds, unit, allocated, cache, error);
	if (ok) {
		memcpy(out, cache->data + in_unit, n);
		uint64_t init = ds->stream->initialized_size; /* never written: zeros */
		if (offset + n > init)
			memset(out + (offset >= init ? 0 : init - offset), 0,
			       offset >= init ? n : (size_t)(offset + n - init));
	} else {
		cache->unit = UINT64_MAX;
	}
	g_free(g_atomic_pointer_exchange(&ds->cache, cache));
	return ok;
}

bool data_stream_read(DataStream *ds, uint64_t offset, void *buf, size_t length, size_t *got,
		      GError **error)
{
	const MftStream *s = ds->stream;
	*got = 0;
	if (offset >= s->data_size)
		return true;
	if (length > s->data_size - offset)
		length = (size_t)(s->data_size - offset);
	if (s->resident) {
		memcpy(buf, s->resident_data + offset, length);
		*got = length;
		return true;
	}
	uint8_t *out = buf;
	size_t total = 0;
	while (total < length) {
		size_t done = 0;
		bool ok = ds->unit_bytes != 0
				  ? read_compressed(ds, offset + total, out + total, length - total, &done, error)
				  : read_plain(ds, offset + total, out + total, length - total, &done, error);
		if (!ok)
			return false;
		if (done == 0) /* cannot happen with sane runs; never spin on forged ones */
			return rfs_set_corrupt(error, "no progress reading at %" PRIu64, offset + total);
		total += done;
	}
	*got = total;
	return true;
}
