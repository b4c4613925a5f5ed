/* The deep sweep (volume_sweep.h): windows of up to SWEEP_READ_BYTES over the swept
 * clusters, a small gap of clusters that are not swept read along rather than split into
 * two reads, and every window read with SWEEP_MAX_BLOCK bytes beyond its end so that a
 * structure starting near the end is seen whole; a second thread reads the next window
 * while the caller's looks at this one. */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/volume_sweep.h"

#include <inttypes.h>
#include <string.h>

#include "ntfs/index_entry.h"
#include "util/bytes.h"
#include "util/error.h"

enum {
	SWEEP_GAP_BYTES = 256 * 1024, /* gaps of unswept clusters up to this are read through */
	SWEEP_RETRY_BYTES = 64 * 1024, /* a failed window is read again in pieces this size */
};

typedef struct {
	const Volume *vol;
	bool all;
	uint64_t clusters;  /* clusters the sweep may look at */
	uint32_t cs;
} Sweep;

static bool swept(const Sweep *s, uint64_t lcn)
{
	if (s->all)
		return true;
	uint64_t byte = lcn >> 3;
	if (byte >= s->vol->bitmap_bytes)
		return false; /* beyond the bitmap: count it as in use */
	return !(s->vol->bitmap[byte] & (1u << (lcn & 7)));
}

/* The first swept cluster at or after `lcn`, or s->clusters. Whole bitmap bytes of
 * allocated clusters are skipped eight at a time. */
static uint64_t next_swept(const Sweep *s, uint64_t lcn)
{
	while (lcn < s->clusters && !swept(s, lcn)) {
		if ((lcn & 7) == 0 && (lcn >> 3) < s->vol->bitmap_bytes &&
		    s->vol->bitmap[lcn >> 3] == 0xff && lcn + 8 <= s->clusters)
			lcn += 8;
		else
			lcn++;
	}
	return lcn;
}

static uint64_t sweep_clusters(const Volume *vol, bool *all)
{
	const BootSector *b = &vol->mft.boot;
	uint64_t clusters = b->total_clusters;
	uint64_t readable = vol->mft.src->size_bytes / b->cluster_size;
	if (vol->bitmap == NULL)
		*all = true;
	return MIN(clusters, readable);
}

uint64_t volume_sweep_total_bytes(const Volume *vol, bool all_clusters)
{
	uint64_t clusters = sweep_clusters(vol, &all_clusters);
	if (all_clusters)
		return clusters * vol->mft.boot.cluster_size;
	uint64_t in_use = volume_clusters_in_use(vol, 0, clusters);
	return (clusters - MIN(in_use, clusters)) * vol->mft.boot.cluster_size;
}

/* Reads [offset, offset + length) into buf; what fails is zeros and counted. False only
 * when the source is gone (*gone set): then nothing more can be read. */
static bool read_window(const Sweep *s, uint64_t offset, uint8_t *buf, size_t length,
			VolumeSweepStats *stats, GError **gone)
{
	BlockSource *src = s->vol->mft.src;
	g_autoptr(GError) error = NULL;
	stats->bytes_read += length;
	if (block_source_read(src, offset, buf, length, &error))
		return true;
	if (rfs_take_gone(&error, gone))
		return false;
	g_debug("sweep: bytes %" PRIu64 "+%zu: %s; reading them in pieces", offset, length,
		error->message);
	for (size_t done = 0; done < length; done += SWEEP_RETRY_BYTES) {
		size_t n = MIN((size_t)SWEEP_RETRY_BYTES, length - done);
		g_autoptr(GError) piece_error = NULL;
		if (!block_source_read(src, offset + done, buf + done, n, &piece_error)) {
			if (rfs_take_gone(&piece_error, gone))
				return false;
			memset(buf + done, 0, n);
			stats->unreadable += n;
		}
	}
	return true;
}

static void look_at(const Sweep *s, const VolumeSweepSink *sink, uint64_t offset,
		    const uint8_t *p, size_t avail, VolumeSweepStats *stats)
{
	if (memcmp(p, "INDX", 4) == 0) {
		size_t size = 0;
		if (sink->index_block != NULL && index_entry_block_probe(byte_span(p, avail), &size)) {
			stats->index_blocks++;
			sink->index_block(sink->user_data, offset, p, size);
		}
	} else if (memcmp(p, "FILE", 4) == 0 && sink->file_record != NULL) {
		stats->file_records++;
		sink->file_record(sink->user_data, offset, p,
				  MIN(avail, (size_t)s->vol->mft.boot.mft_record_size));
	}
}

/* The next window from `lcn`: swept clusters [*start, *end), small gaps read through. */
static void plan_window(const Sweep *s, uint64_t lcn, uint64_t *start, uint64_t *end)
{
	uint64_t window_clusters = SWEEP_READ_BYTES / s->cs, gap_clusters = SWEEP_GAP_BYTES / s->cs;
	*start = lcn;
	*end = lcn + 1;
	while (*end < s->clusters && *end - *start < window_clusters) {
		if (swept(s, *end)) {
			(*end)++;
			continue;
		}
		uint64_t next = next_swept(s, *end);
		if (next >= s->clusters || next - *end > gap_clusters || next + 1 - *start > window_clusters)
			break;
		*end = next + 1;
	}
}

/* Windows are read by a second thread into one buffer while this one looks at the other:
 * in the page cache the copying overlaps the looking, on a disk the waiting does. */
typedef struct {
	uint8_t *buf;
	uint64_t start, end;  /* clusters; start == end: no more windows */
	size_t length;        /* bytes read */
} SweepChunk;

typedef struct {
	const Sweep *s;
	GAsyncQueue *empty, *full;
	VolumeSweepStats read_stats; /* bytes_read and unreadable, the reader's own */
	GError *gone;                /* the source stopped answering: the reader stopped */
} SweepReader;

static gpointer sweep_reader_main(gpointer data)
{
	SweepReader *r = data;
	const Sweep *s = r->s;
	uint64_t limit = s->clusters * s->cs;
	for (uint64_t lcn = next_swept(s, 0);;) {
		SweepChunk *c = g_async_queue_pop(r->empty);
		if (lcn >= s->clusters) {
			c->start = c->end = 0;
			g_async_queue_push(r->full, c);
			return NULL;
		}
		plan_window(s, lcn, &c->start, &c->end);
		uint64_t offset = c->start * s->cs;
		c->length = (size_t)MIN((c->end - c->start) * s->cs + SWEEP_MAX_BLOCK, limit - offset);
		if (!read_window(s, offset, c->buf, c->length, &r->read_stats, &r->gone)) {
			c->start = c->end = 0; /* the end, as after the last window */
			g_async_queue_push(r->full, c);
			return NULL;
		}
		g_async_queue_push(r->full, c);
		lcn = next_swept(s, c->end);
	}
}

bool volume_sweep_run(const Volume *vol, bool all_clusters, const VolumeSweepSink *sink,
		      VolumeSweepStats *stats, GError **error)
{
	*stats = (VolumeSweepStats){ 0 };
	Sweep s = { .vol = vol, .all = all_clusters, .cs = vol->mft.boot.cluster_size };
	s.clusters = sweep_clusters(vol, &s.all);
	uint64_t total = volume_sweep_total_bytes(vol, s.all);
	SweepReader r = { .s = &s, .empty = g_async_queue_new(), .full = g_async_queue_new() };
	SweepChunk chunks[2];
	for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++) {
		chunks[i] = (SweepChunk){ .buf = g_malloc((size_t)SWEEP_READ_BYTES + SWEEP_MAX_BLOCK) };
		g_async_queue_push(r.empty, &chunks[i]);
	}
	GThread *reader = g_thread_new("sweep-reader", sweep_reader_main, &r);
	for (;;) {
		SweepChunk *c = g_async_queue_pop(r.full);
		if (c->start == c->end)
			break;
		uint64_t offset = c->start * s.cs;
		size_t body = (size_t)((c->end - c->start) * s.cs);
		for (size_t at = 0; at < body; at += SWEEP_STRIDE) {
			if (!s.all && !swept(&s, c->start + at / s.cs)) {
				at += s.cs - at % s.cs - SWEEP_STRIDE; /* the rest of this cluster */
				continue;
			}
			look_at(&s, sink, offset + at, c->buf + at, c->length - at, stats);
		}
		for (uint64_t lcn = c->start; lcn < c->end; lcn++)
			stats->bytes_swept += swept(&s, lcn) ? s.cs : 0;
		g_async_queue_push(r.empty, c);
		if (sink->progress != NULL)
			sink->progress(MIN(stats->bytes_swept, total), total, sink->progress_data);
	}
	g_thread_join(reader);
	stats->bytes_read = r.read_stats.bytes_read;
	stats->unreadable = r.read_stats.unreadable;
	for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++)
		g_free(chunks[i].buf);
	g_async_queue_unref(r.empty);
	g_async_queue_unref(r.full);
	if (r.gone != NULL) {
		g_propagate_error(error, r.gone);
		return false;
	}
	return true;
}
