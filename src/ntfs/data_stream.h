/* Reading a stream of a file: resident bytes, runs, holes, the space past the initialized
 * size, LZNT1 compression units, and what to do with clusters now owned by someone else. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ntfs/mft_file.h"
#include "ntfs/volume.h"
#include "restorefs/restorefs.h"
#include "restorefs/internal.h"

typedef struct DataStream DataStream;

/* Takes ownership of `stream`; `vol` is borrowed and must outlive the stream. `deleted`
 * makes the overwrite policy of `options` (NULL: defaults) apply: a live file's clusters are
 * in use by the file itself. Fails (RFS_ERROR_UNSUPPORTED) on compression with clusters over
 * 4 KiB, which NTFS never writes. */
DataStream *data_stream_new(const Volume *vol, MftStream *stream, bool deleted,
			    const RfsStreamOptions *options, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Thread-safe, lock-free. Lost extents (runlist gaps below the data's end, and compression
 * units with such a gap) read as zeros, or fail with RFS_ERROR_CORRUPT under
 * RFS_UNREADABLE_EIO. Fails the whole call on any other unreadable byte (RFS_ERROR_IO for a
 * device error or clusters past the volume, RFS_ERROR_CORRUPT for a damaged unit,
 * RFS_ERROR_OVERWRITTEN under that policy). */
bool data_stream_read(DataStream *ds, uint64_t offset, void *buf, size_t length, size_t *got,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* For zero-copy readers: rfs_stream_map_fd() (restorefs/internal.h) says what. True
 * exactly when data_stream_read() of the same range would copy each byte verbatim from the
 * source's descriptor, with no zero-fill and no error. */
bool data_stream_map_fd(const DataStream *ds, uint64_t offset, size_t length, RfsFdExtent *out,
			size_t max, size_t *count);
uint64_t data_stream_size(const DataStream *ds);
/* The first range [*start, *end) at or after byte `offset` that a read would take from
 * clusters (or a resident value): holes, lost extents and bytes past the initialized size
 * read as zeros without any I/O, and are skipped. False when no such range is left. Work is
 * logarithmic in the runs, so a caller can walk a sparse stream of 2^63 bytes cheaply.
 * Compressed streams are one range up to their initialized size (their holes hold units). */
bool data_stream_next_data(const DataStream *ds, uint64_t offset, uint64_t *start, uint64_t *end);
/* Bytes in lost extents, below the initialized size (what reads zero-fill or fail). */
uint64_t data_stream_unreadable_bytes(const DataStream *ds);
void data_stream_free(DataStream *ds);
