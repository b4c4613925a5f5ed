/* Reading a stream of a file: resident bytes, runs, holes, the space past the initialized
 * size, LZNT1 compression units, and what to do with clusters now owned by someone else. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ntfs/mft_file.h"
#include "ntfs/volume.h"
#include "restorefs/restorefs.h"

typedef struct DataStream DataStream;

/* Takes ownership of `stream`; `vol` is borrowed and must outlive the stream. `deleted`
 * makes `policy` apply: a live file's clusters are in use by the file itself. Fails
 * (RFS_ERROR_UNSUPPORTED) on compression with clusters over 4 KiB, which NTFS never writes. */
DataStream *data_stream_new(const Volume *vol, MftStream *stream, bool deleted,
			    RfsOverwritePolicy policy, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Thread-safe, lock-free. Fails the whole call on any unreadable byte (RFS_ERROR_IO,
 * RFS_ERROR_CORRUPT for lost extents, RFS_ERROR_OVERWRITTEN under that policy). */
bool data_stream_read(DataStream *ds, uint64_t offset, void *buf, size_t length, size_t *got,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT;
uint64_t data_stream_size(const DataStream *ds);
void data_stream_free(DataStream *ds);
