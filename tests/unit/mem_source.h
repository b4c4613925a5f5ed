/* A BlockSource over a byte array, and a Volume around an MFT image, for unit tests. */
#pragma once

#include <glib.h>
#include <string.h>

#include "device/block_source.h"
#include "ntfs/volume.h"
#include "util/error.h"

typedef struct {
	BlockSource base;
	uint8_t *data;
	gint reads; /* read_at calls, successful or not */
} MemSource;

static inline bool mem_source_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
				      GError **error)
{
	MemSource *m = (MemSource *)self;
	g_atomic_int_inc(&m->reads);
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "read past the end");
	memcpy(buf, m->data + offset, length);
	return true;
}

static inline void mem_source_close(BlockSource *self)
{
	MemSource *m = (MemSource *)self;
	g_free(m->data);
	g_free(m);
}

/* Takes ownership of data (g_malloc'd). */
static inline BlockSource *mem_source_new(uint8_t *data, size_t size)
{
	MemSource *m = g_new0(MemSource, 1);
	m->data = data;
	m->base.size_bytes = size;
	m->base.sector_size = 512;
	m->base.read_at = mem_source_read_at;
	m->base.close = mem_source_close;
	return &m->base;
}

static inline int mem_source_reads(BlockSource *src)
{
	return g_atomic_int_get(&((MemSource *)src)->reads);
}

/* A reader over a source whose clusters 0.. hold an MFT image contiguously. */
static inline void mem_reader_init(MftReader *reader, BlockSource *src, uint32_t record_size,
				   uint32_t cluster_size)
{
	*reader = (MftReader){ .src = src };
	reader->boot.bytes_per_sector = 512;
	reader->boot.cluster_size = cluster_size;
	reader->boot.sectors_per_cluster = cluster_size / 512;
	reader->boot.mft_record_size = record_size;
	reader->boot.total_clusters = src->size_bytes / cluster_size;
	reader->boot.total_sectors = src->size_bytes / 512;
	runlist_append(&reader->runs, (Run){ 0, 0, reader->boot.total_clusters });
	reader->records = src->size_bytes / record_size;
}

/* A volume around such a reader; no bitmap. */
static inline Volume *mem_volume_new(BlockSource *src, uint32_t record_size, uint32_t cluster_size)
{
	Volume *vol = g_new0(Volume, 1);
	vol->label = g_strdup("");
	mem_reader_init(&vol->mft, src, record_size, cluster_size);
	return vol;
}
