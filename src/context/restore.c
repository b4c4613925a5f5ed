/* RestoreFile: opening an entry's data for reading, and copying it out to a new file
 * with its times. Unreadable ranges become zeros in the copy and are counted, never hidden.
 * The copy is written under the caller's partial name and renamed into place only once
 * complete, so the final name never holds a truncated file. */
#define _GNU_SOURCE /* renameat2, copy_file_range */
#define G_LOG_DOMAIN "restorefs-context"

#include "context/context_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ntfs/carved_record.h"
#include "ntfs/data_stream.h"
#include "restorefs/internal.h"
#include "util/error.h"

enum {
	RESTORE_CHUNK_BYTES = 1024 * 1024,
	RESTORE_RETRY_BYTES = 4096, /* after a failed chunk, find the bad part at this grain */
};

RfsStream *rfs_stream_open(const RfsContext *ctx, RfsEntryId id, const RfsStreamOptions *options,
			   GError **error)
{
	const Volume *vol = NULL;
	const DeletedIndex *index = context_index_of(ctx, id, &vol);
	const IndexNode *n = index != NULL ? deleted_index_lookup(index, id) : NULL;
	if (n == NULL || vol == NULL) {
		rfs_set_error(error, RFS_ERROR_NOT_FOUND, "no entry %" PRIu64, id);
		return NULL;
	}
	if (n->info.flags & RFS_ENTRY_DIRECTORY) {
		rfs_set_error(error, RFS_ERROR_INVALID, "entry %" PRIu64 " is a directory", id);
		return NULL;
	}
	if (n->info.flags & RFS_ENTRY_GHOST) {
		rfs_set_error(error, RFS_ERROR_OVERWRITTEN,
			      "%s is a ghost: only its name, size and times survive, in an index "
			      "entry; MFT record %" PRIu64 " now holds another file",
			      n->info.file_name, n->info.mft_record);
		return NULL;
	}
	/* A shadow copy's entry is read from the copy's own volume; a carved entry's record is not in today's MFT: read it again where it was found. */
	g_autoptr(MftFile) file = (n->info.flags & RFS_ENTRY_CARVED)
		? carved_record_load(&vol->mft, deleted_index_carved_offset(index, n), n->info.mft_record, n->info.sequence, error)
		: mft_file_load(&vol->mft, n->info.mft_record, 0, error);
	if (file == NULL)
		return NULL;
	MftStream *owned = mft_file_steal_stream(file, n->info.stream_name);
	if (owned == NULL) {
		owned = g_new0(MftStream, 1); /* a file without data: zero bytes */
		owned->resident = true;
	}
	bool removed = n->info.flags & RFS_ENTRY_REMOVED;
	struct DataStream *ds = data_stream_new(vol, owned, removed, options, error);
	if (ds == NULL)
		return NULL;
	RfsStream *stream = g_new0(RfsStream, 1);
	stream->ds = ds;
	return stream;
}

bool rfs_stream_read(RfsStream *stream, uint64_t offset, void *buf, size_t length, size_t *got,
		     GError **error)
{
	return data_stream_read(stream->ds, offset, buf, length, got, error);
}

bool rfs_stream_map_fd(const RfsStream *stream, uint64_t offset, size_t length, RfsFdExtent *out,
		       size_t max, size_t *count)
{
	return data_stream_map_fd(stream->ds, offset, length, out, max, count);
}

uint64_t rfs_stream_size(const RfsStream *stream)
{
	return data_stream_size(stream->ds);
}

uint64_t rfs_stream_unreadable_bytes(const RfsStream *stream)
{
	return data_stream_unreadable_bytes(stream->ds);
}

void rfs_stream_close(RfsStream *stream)
{
	if (stream == NULL)
		return;
	data_stream_free(stream->ds);
	g_free(stream);
}

/* Writes `length` bytes at the file position. */
/* A failed operation on the destination: its errno goes to *target_errno (when not NULL),
 * so that the caller can tell a full or read-only target from a problem of the source. */
static bool target_failed(int *target_errno, GError **error, const char *path)
{
	int err = errno;
	if (target_errno != NULL)
		*target_errno = err;
	return rfs_set_io(error, "%s: %s", path, g_strerror(err));
}

static bool write_all(int fd, const uint8_t *buf, size_t length, const char *path, int *target_errno,
		      GError **error)
{
	while (length > 0) {
		ssize_t n = write(fd, buf, length);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return target_failed(target_errno, error, path);
		buf += n;
		length -= (size_t)n;
	}
	return true;
}

/* Fills buf with [offset, offset + length); what cannot be read becomes zeros, counted.
 * False, with `gone` set, when the source has stopped answering (RFS_ERROR_GONE): nothing
 * more can be read, so no piece is tried again. */
static bool read_salvaging(RfsStream *stream, uint64_t offset, uint8_t *buf, size_t length,
			   uint64_t *bad, GError **first_error, GError **gone)
{
	size_t got;
	g_autoptr(GError) error = NULL;
	if (rfs_stream_read(stream, offset, buf, length, &got, &error) && got == length)
		return true;
	if (rfs_take_gone(&error, gone))
		return false;
	g_clear_error(&error);
	for (size_t done = 0; done < length; done += RESTORE_RETRY_BYTES) {
		size_t n = MIN((size_t)RESTORE_RETRY_BYTES, length - done);
		if (rfs_stream_read(stream, offset + done, buf + done, n, &got, &error) && got == n)
			continue;
		if (rfs_take_gone(&error, gone))
			return false;
		memset(buf + done, 0, n);
		*bad += n;
		if (*first_error == NULL && error != NULL)
			*first_error = g_steal_pointer(&error);
		g_clear_error(&error);
	}
	return true;
}

static void set_times(int fd, const RfsEntryInfo *info)
{
	struct timespec ts[2];
	int64_t sec;
	long nsec;
	rfs_filetime_to_timespec(info->times.last_access, &sec, &nsec);
	ts[0] = (struct timespec){ (time_t)sec, nsec };
	rfs_filetime_to_timespec(info->times.last_write, &sec, &nsec);
	ts[1] = (struct timespec){ (time_t)sec, nsec };
	if (info->times.last_access == 0)
		ts[0].tv_nsec = UTIME_OMIT;
	if (info->times.last_write == 0)
		ts[1].tv_nsec = UTIME_OMIT;
	(void)futimens(fd, ts);
}

static bool is_zero(const uint8_t *buf, size_t length)
{
	return length == 0 || (buf[0] == 0 && memcmp(buf, buf + 1, length - 1) == 0);
}

/* Copies [off, off + length) with copy_file_range when the stream maps it verbatim onto the
 * source's descriptor: no bytes pass through this process, and the file systems may reflink
 * or copy on their side. False when the range is not plain or the copy failed part way;
 * the caller then reads and writes the whole range, which salvages a bad sector as a read
 * does. *usable is cleared for good when the kernel cannot copy between these files. */
static bool copy_extents(RfsStream *stream, uint64_t off, size_t length, int fd, bool *usable)
{
	RfsFdExtent ext[16];
	size_t count = 0;
	if (!*usable || !rfs_stream_map_fd(stream, off, length, ext, G_N_ELEMENTS(ext), &count))
		return false;
	loff_t out_pos = (loff_t)off;
	for (size_t i = 0; i < count; i++) {
		loff_t in_pos = (loff_t)ext[i].fd_offset;
		size_t left = ext[i].length;
		while (left > 0) {
			ssize_t n = copy_file_range(ext[i].fd, &in_pos, fd, &out_pos, left, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
				      errno == ENOSYS || errno == EBADF || errno == EPERM))
				*usable = false;
			if (n <= 0)
				return false;
			left -= (size_t)n;
		}
	}
	return true;
}

/* Fills the new, empty file `fd`. Chunks go by copy_file_range where the stream maps them
 * onto the source's descriptor, else through a buffer; all-zero chunks are not written at
 * all. copy_file_range leaves the file position alone, so a write seeks only when the
 * position is not where the chunk starts, and the size is set last only when the data
 * does not already end there. */
static bool copy_out(RfsStream *stream, const RfsEntryInfo *info, int fd, const char *dest_path,
		     RfsProgressFunc progress, void *user_data, uint64_t *bad, int *target_errno,
		     GError **error)
{
	uint64_t size = rfs_stream_size(stream);
	g_autofree uint8_t *buf = NULL;
	g_autoptr(GError) read_error = NULL;
	bool cfr_usable = true;
	uint64_t pos = 0, end = 0; /* the file position; the end of what is written */
	for (uint64_t off = 0; off < size; off += RESTORE_CHUNK_BYTES) {
		size_t n = (size_t)MIN((uint64_t)RESTORE_CHUNK_BYTES, size - off);
		if (copy_extents(stream, off, n, fd, &cfr_usable)) {
			end = off + n;
		} else {
			if (buf == NULL)
				buf = g_malloc(MIN(size, (uint64_t)RESTORE_CHUNK_BYTES));
			if (!read_salvaging(stream, off, buf, n, bad, &read_error, error))
				return false;
			if (!is_zero(buf, n)) { /* holes, and unreadable ranges, cost no disk space */
				if (pos != off && lseek(fd, (off_t)off, SEEK_SET) < 0)
					return target_failed(target_errno, error, dest_path);
				if (!write_all(fd, buf, n, dest_path, target_errno, error))
					return false;
				pos = end = off + n;
			}
		}
		if (progress != NULL)
			progress(off + n, size, user_data);
	}
	if (end != size && ftruncate(fd, (off_t)size) != 0)
		return target_failed(target_errno, error, dest_path);
	if (read_error != NULL)
		g_debug("%s: %" PRIu64 " bytes unreadable, written as zeros (%s)", dest_path, *bad,
			read_error->message);
	return true;
}

/* Moves the complete copy to its name: atomically, and without replacing anything unless
 * asked. renameat2(RENAME_NOREPLACE) where the file system has it, else linkat() + unlinkat(),
 * which also fails on an existing name; on file systems without hard links either (FAT),
 * a check for the name and a rename, which only a concurrent writer could race. */
static int rename_noreplace(int dir_fd, const char *from, const char *to)
{
	if (renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(dir_fd, from, dir_fd, to, 0) == 0) {
		(void)unlinkat(dir_fd, from, 0);
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	struct stat st;
	if (fstatat(dir_fd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(dir_fd, from, dir_fd, to);
}

static bool move_into_place(int dir_fd, const char *partial_name, const char *dest_name,
			    bool replace, int *target_errno, GError **error)
{
	int rc = replace ? renameat(dir_fd, partial_name, dir_fd, dest_name)
			 : rename_noreplace(dir_fd, partial_name, dest_name);
	if (rc == 0)
		return true;
	if (errno != EEXIST)
		return target_failed(target_errno, error, dest_name);
	return rfs_set_error(error, errno == EEXIST ? RFS_ERROR_INVALID : RFS_ERROR_IO, "%s: %s",
			     dest_name, g_strerror(errno));
}

bool rfs_context_restore_at(const RfsContext *ctx, RfsEntryId id, int dir_fd,
			    const char *dest_name, const char *partial_name,
			    const RfsRestoreOptions *options, RfsProgressFunc progress,
			    void *user_data, uint64_t *bad_bytes, int *target_errno, GError **error)
{
	g_return_val_if_fail(dest_name != NULL && partial_name != NULL, false);
	if (target_errno != NULL)
		*target_errno = 0;
	static const RfsRestoreOptions defaults = { 0 };
	if (options == NULL)
		options = &defaults;
	uint64_t bad = 0;
	if (bad_bytes != NULL)
		*bad_bytes = 0;
	const RfsEntryInfo *info = rfs_context_lookup(ctx, id);
	if (info == NULL)
		return rfs_set_error(error, RFS_ERROR_NOT_FOUND, "no entry %" PRIu64, id);
	g_autoptr(RfsStream) stream = rfs_stream_open(ctx, id, &options->stream, error);
	if (stream == NULL)
		return false;
	int fd = openat(dir_fd, partial_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0644);
	if (fd < 0 && errno == EEXIST)
		return rfs_set_error(error, RFS_ERROR_INVALID, "%s: %s", partial_name, g_strerror(errno));
	if (fd < 0)
		return target_failed(target_errno, error, partial_name);
	bool ok = copy_out(stream, info, fd, partial_name, progress, user_data, &bad, target_errno, error);
	if (ok)
		set_times(fd, info);
	if (close(fd) != 0 && ok)
		ok = target_failed(target_errno, error, partial_name);
	if (ok)
		ok = move_into_place(dir_fd, partial_name, dest_name,
				     (options->flags & RFS_RESTORE_REPLACE) != 0, target_errno, error);
	if (!ok) {
		(void)unlinkat(dir_fd, partial_name, 0);
		return false;
	}
	/* Lost ranges read as zeros under RFS_UNREADABLE_ZERO; under EIO, the salvage counted
	 * them already. */
	if (options->stream.unreadable == RFS_UNREADABLE_ZERO)
		bad += rfs_stream_unreadable_bytes(stream);
	if (bad_bytes != NULL)
		*bad_bytes = bad;
	return true;
}

bool rfs_context_restore(const RfsContext *ctx, RfsEntryId id, const char *dest_path,
			 const char *partial_path, const RfsRestoreOptions *options,
			 RfsProgressFunc progress, void *user_data, uint64_t *bad_bytes, GError **error)
{
	g_return_val_if_fail(dest_path != NULL && partial_path != NULL, false);
	if (bad_bytes != NULL)
		*bad_bytes = 0;
	struct stat st;
	bool replace = options != NULL && (options->flags & RFS_RESTORE_REPLACE);
	if (!replace && rfs_context_lookup(ctx, id) != NULL && lstat(dest_path, &st) == 0)
		return rfs_set_error(error, RFS_ERROR_INVALID, "%s: %s", dest_path, g_strerror(EEXIST));
	return rfs_context_restore_at(ctx, id, AT_FDCWD, dest_path, partial_path, options, progress,
				      user_data, bad_bytes, NULL, error);
}
