/* INTERNAL to restorefs' own front ends (the daemon's spliced reads, restorefs-scan's
 * extraction): not part of the public API, not installed, and free to change without a
 * version bump. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "restorefs/restorefs.h"

G_BEGIN_DECLS

/* A range of a stream's bytes as they lie in the source's file descriptor, which the
 * context owns: valid until rfs_context_free(), never to be closed, read with pread,
 * splice or copy_file_range only (never with the file position). `mapped` is the same
 * bytes in a read-only shared mapping of the descriptor, also valid until
 * rfs_context_free(), or NULL where the source cannot be mapped: for the kernel to copy
 * from (write, writev, vmsplice) and never to be touched in user space, where a failing
 * source raises SIGBUS instead of an error. */
typedef struct {
	int fd;
	uint64_t fd_offset; /* bytes */
	size_t length;      /* bytes */
	const void *mapped;
} RfsFdExtent;

/* Where the stream's bytes [offset, offset + length), clipped to its size, lie verbatim:
 * up to `max` extents in stream order into `out`, their count in *count. False (no error,
 * *count 0) when any of those bytes would not be read verbatim from a descriptor: resident,
 * compressed, EFS-encrypted or sparse data, bytes past the initialized size, lost extents,
 * clusters past the volume, clusters now in use elsewhere unless the stream serves them
 * raw, a source that is decrypted or an image format, an empty range, or more than `max`
 * extents. The caller then reads with rfs_stream_read(), which serves exactly the same
 * bytes. Lock-free. */
bool rfs_stream_map_fd(const RfsStream *stream, uint64_t offset, size_t length, RfsFdExtent *out,
		       size_t max, size_t *count);

/* rfs_context_restore() with `dest_name` and `partial_name` relative to the directory
 * `dir_fd` (or AT_FDCWD), for a caller that has just looked at `dest_name` itself: the
 * first check for an existing `dest_name` is skipped, and the final rename still never
 * replaces one without RFS_RESTORE_REPLACE. Otherwise the same contract. When the failure was
 * an operation on the destination (create, write, close, rename: ENOSPC, EROFS, EIO, EDQUOT,
 * ...), *target_errno (may be NULL) is its errno; else 0, as after success. */
bool rfs_context_restore_at(const RfsContext *ctx, RfsEntryId id, int dir_fd,
			    const char *dest_name, const char *partial_name,
			    const RfsRestoreOptions *options, RfsProgressFunc progress,
			    void *user_data, uint64_t *bad_bytes, int *target_errno, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
