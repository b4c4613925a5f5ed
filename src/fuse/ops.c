/* The FUSE low-level handlers: each fetches from the immutable index, calls the library and
 * replies exactly once. Nothing here takes a lock or writes to the volume; GError becomes an
 * errno here and nowhere else. */
#define _GNU_SOURCE /* pipe2, F_SETPIPE_SZ */
#define G_LOG_DOMAIN "restorefs-fuse"

#include "daemon.h"

#include "restorefs/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/capability.h>

/* The errno answered for a failed request; foreign domains are EIO. */
static int errno_of(const GError *error)
{
	if (error == NULL || error->domain != RFS_ERROR)
		return EIO;
	switch ((RfsError)error->code) {
	case RFS_ERROR_IO:
	case RFS_ERROR_CORRUPT:
	case RFS_ERROR_OVERWRITTEN:
	case RFS_ERROR_TRUNCATED:
	case RFS_ERROR_BAD_BOOT_SECTOR:
	case RFS_ERROR_GONE:
		return EIO;
	case RFS_ERROR_UNSUPPORTED:
		return EOPNOTSUPP;
	case RFS_ERROR_LOCKED:
		return EACCES;
	case RFS_ERROR_NOT_FOUND:
		return ENOENT;
	case RFS_ERROR_INVALID:
		return EINVAL;
	case RFS_ERROR_BUSY:
		return EBUSY;
	case RFS_ERROR_VERSION:
		return EPROTO;
	}
	return EIO;
}

static Daemon *daemon_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static RfsStream *stream_of(const struct fuse_file_info *fi)
{
	return (RfsStream *)(uintptr_t)fi->fh;
}

static bool is_dir(const RfsEntryInfo *info)
{
	return (info->flags & RFS_ENTRY_DIRECTORY) != 0;
}

/* ---- attributes ----------------------------------------------------------------------- */

static guint subdir_count(const Daemon *d, RfsEntryId id)
{
	gint64 key = (gint64)id;
	return d->subdirs != NULL ? GPOINTER_TO_UINT(g_hash_table_lookup(d->subdirs, &key)) : 0;
}

static struct timespec timespec_of(int64_t filetime)
{
	int64_t sec = 0;
	long nsec = 0;
	if (filetime != 0)
		rfs_filetime_to_timespec(filetime, &sec, &nsec);
	return (struct timespec){ .tv_sec = (time_t)sec, .tv_nsec = nsec };
}

static void fill_stat(const Daemon *d, const RfsEntryInfo *info, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_ino = (ino_t)info->id;
	/* Owner-writable modes, as ntfs-3g shows a read-only mount: copies made with cp -a or
	 * rsync -a can be changed and deleted by their owner. The mount itself is read-only:
	 * the kernel answers EROFS to every write, and so do the handlers below. */
	if (is_dir(info)) {
		st->st_mode = S_IFDIR | (0755 & ~d->umask);
		st->st_nlink = 2 + subdir_count(d, info->id);
	} else if (info->flags & RFS_ENTRY_GHOST) {
		/* A name without data: no permissions, no size, and open fails (EIO); the size
		 * it had is in user.restorefs.ghost_size. Nobody mistakes it for a copy. */
		st->st_mode = S_IFREG;
		st->st_nlink = 1;
	} else {
		st->st_mode = S_IFREG | (0644 & ~d->umask);
		st->st_nlink = 1;
		st->st_size = (off_t)info->size_bytes;
	}
	st->st_uid = d->uid;
	st->st_gid = d->gid;
	st->st_blksize = (blksize_t)d->blksize;
	uint64_t allocated = (info->flags & RFS_ENTRY_GHOST) ? 0 : info->allocated_bytes;
	st->st_blocks = (blkcnt_t)(allocated / 512 + (allocated % 512 != 0));
	st->st_mtim = timespec_of(info->times.last_write);
	st->st_atim = timespec_of(info->times.last_access);
	st->st_ctim = timespec_of(info->times.mft_change);
}

static void fill_entry(const Daemon *d, const RfsEntryInfo *info, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof *e);
	e->ino = (fuse_ino_t)info->id;
	e->generation = (info->flags & RFS_ENTRY_SYNTHETIC) ? 0 : info->sequence;
	e->attr_timeout = d->timeout_seconds;
	e->entry_timeout = d->timeout_seconds;
	fill_stat(d, info, &e->attr);
}

bool ops_hidden(const Daemon *d, const RfsEntryInfo *info)
{
	if ((info->flags & RFS_ENTRY_GHOST) && !d->show_ghosts)
		return true;
	if (d->visible == NULL || (info->flags & RFS_ENTRY_SYNTHETIC))
		return false;
	return !g_hash_table_contains(d->visible, &info->id);
}

/* The entry `ino`, or NULL when it does not exist or is hidden. */
static const RfsEntryInfo *visible_entry(const Daemon *d, fuse_ino_t ino)
{
	const RfsEntryInfo *info = rfs_context_lookup(d->ctx, ino);
	return info != NULL && !ops_hidden(d, info) ? info : NULL;
}

static bool count_subdir(const RfsEntryInfo *info, void *user_data)
{
	const Daemon *d = user_data;
	GHashTable *subdirs = d->subdirs;
	if (!is_dir(info) || info->id == RFS_ENTRY_ROOT || ops_hidden(d, info))
		return true;
	gint64 parent = (gint64)info->parent_id;
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(subdirs, &parent));
	if (n == 0)
		g_hash_table_insert(subdirs, g_memdup2(&parent, sizeof parent), GUINT_TO_POINTER(1));
	else
		g_hash_table_replace(subdirs, g_memdup2(&parent, sizeof parent), GUINT_TO_POINTER(n + 1));
	return true;
}

void ops_count_subdirs(Daemon *daemon)
{
	daemon->subdirs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	rfs_context_foreach(daemon->ctx, count_subdir, daemon);
}

guint ops_close_streams(Daemon *daemon)
{
	if (daemon->streams == NULL)
		return 0;
	guint left = g_hash_table_size(daemon->streams);
	GHashTableIter it;
	gpointer stream;
	g_hash_table_iter_init(&it, daemon->streams);
	while (g_hash_table_iter_next(&it, &stream, NULL))
		rfs_stream_close(stream);
	g_clear_pointer(&daemon->streams, g_hash_table_destroy);
	return left;
}

static void streams_add(Daemon *d, RfsStream *stream)
{
	g_mutex_lock(&d->streams_lock);
	g_hash_table_add(d->streams, stream);
	g_mutex_unlock(&d->streams_lock);
}

static void streams_remove(Daemon *d, RfsStream *stream)
{
	g_mutex_lock(&d->streams_lock);
	g_hash_table_remove(d->streams, stream);
	g_mutex_unlock(&d->streams_lock);
}

/* ---- lookup and attributes --------------------------------------------------------------- */

static void ops_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	Daemon *d = daemon_of(req);
	const RfsEntryInfo *dir = rfs_context_lookup(d->ctx, parent);
	if (dir == NULL) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!is_dir(dir)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	const RfsEntryInfo *info = rfs_context_lookup_child(d->ctx, parent, name);
	struct fuse_entry_param e;
	if (info == NULL || ops_hidden(d, info)) {
		/* ino 0 caches the miss: file managers probe the same absent names repeatedly */
		memset(&e, 0, sizeof e);
		e.entry_timeout = d->timeout_seconds;
		fuse_reply_entry(req, &e);
		return;
	}
	fill_entry(d, info, &e);
	fuse_reply_entry(req, &e);
}

static void ops_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Daemon *d = daemon_of(req);
	const RfsEntryInfo *info = visible_entry(d, ino);
	if (info == NULL) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	struct stat st;
	fill_stat(d, info, &st);
	fuse_reply_attr(req, &st, d->timeout_seconds);
}

static void ops_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			struct fuse_file_info *fi)
{
	fuse_reply_err(req, EROFS);
}

/* ---- directories --------------------------------------------------------------------------- */

static void ops_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Daemon *d = daemon_of(req);
	const RfsEntryInfo *info = rfs_context_lookup(d->ctx, ino);
	if (info == NULL) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!is_dir(info)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fi->fh = 0;
	fi->cache_readdir = 1; /* the listing never changes */
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* Directory offsets: 0 = ".", 1 = "..", 2 + i = the i-th child in the index's name order.
 * The offset a directory entry carries is the offset of the entry after it. */
enum { DIR_FIRST_CHILD = 2 };

static const RfsEntryInfo *dir_entry_at(const Daemon *d, const RfsEntryInfo *dir, off_t off,
					const char **name)
{
	if (off == 0) {
		*name = ".";
		return dir;
	}
	if (off == 1) {
		*name = "..";
		const RfsEntryInfo *parent = rfs_context_lookup(d->ctx, dir->parent_id);
		return parent != NULL ? parent : dir;
	}
	const RfsEntryInfo *child = rfs_context_child_at(d->ctx, dir->id, (size_t)(off - DIR_FIRST_CHILD));
	if (child != NULL)
		*name = child->name;
	return child;
}

static void reply_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	Daemon *d = daemon_of(req);
	const RfsEntryInfo *dir = rfs_context_lookup(d->ctx, ino);
	if (dir == NULL || !is_dir(dir)) {
		fuse_reply_err(req, dir == NULL ? ENOENT : ENOTDIR);
		return;
	}
	g_autofree char *buf = g_malloc(size);
	size_t used = 0;
	for (; off >= 0; off++) {
		const char *name = NULL;
		const RfsEntryInfo *info = dir_entry_at(d, dir, off, &name);
		if (info == NULL)
			break;
		if (off >= DIR_FIRST_CHILD && ops_hidden(d, info))
			continue; /* offsets stay the children's indexes, with holes */
		size_t want;
		if (plus) {
			struct fuse_entry_param e;
			fill_entry(d, info, &e);
			want = fuse_add_direntry_plus(req, buf + used, size - used, name, &e, off + 1);
		} else {
			struct stat st = { .st_ino = (ino_t)info->id,
					   .st_mode = is_dir(info) ? S_IFDIR : S_IFREG };
			want = fuse_add_direntry(req, buf + used, size - used, name, &st, off + 1);
		}
		if (want > size - used)
			break;
		used += want;
	}
	fuse_reply_buf(req, buf, used);
}

static void ops_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	reply_dir(req, ino, size, off, false);
}

static void ops_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			    struct fuse_file_info *fi)
{
	reply_dir(req, ino, size, off, true);
}

/* ---- files ----------------------------------------------------------------------------- */

static void ops_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	Daemon *d = daemon_of(req);
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	const RfsEntryInfo *info = visible_entry(d, ino);
	if (info == NULL || is_dir(info)) {
		fuse_reply_err(req, info == NULL ? ENOENT : EISDIR);
		return;
	}
	g_autoptr(GError) error = NULL;
	RfsStream *stream = rfs_stream_open(d->ctx, info->id, &d->stream_options, &error);
	if (stream == NULL) {
		g_message("open ino %" PRIu64 " (record %" PRIu64 "): %s", (uint64_t)ino,
			  info->mft_record, error->message);
		fuse_reply_err(req, errno_of(error));
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)stream;
	fi->keep_cache = 1; /* the data never changes while mounted */
	/* -o direct_io: no page cache, so each read comes here at the reader's size and its
	 * reply is copied once, into the reader's buffer, instead of into the cache and then
	 * out of it. A shared mmap of the file then fails with ENODEV. */
	fi->direct_io = d->direct_io;
	fi->noflush = 1;
	streams_add(d, stream);
	if (fuse_reply_open(req, fi) != 0) {
		/* the opener was interrupted: the kernel will not send RELEASE for this handle */
		streams_remove(d, stream);
		rfs_stream_close(stream);
	}
}

/* One buffer per FUSE worker thread, grown to the largest read it has served; freed when
 * the thread exits. Keeps malloc off the read path. */
typedef struct {
	size_t capacity;
	uint8_t data[];
} ReadBuffer;

static GPrivate read_buffer_key = G_PRIVATE_INIT(g_free);

static uint8_t *read_buffer(size_t size)
{
	ReadBuffer *rb = g_private_get(&read_buffer_key);
	if (rb == NULL || rb->capacity < size) {
		size_t capacity = MAX(size, (size_t)128 * 1024);
		rb = g_malloc(sizeof *rb + capacity);
		rb->capacity = capacity;
		g_private_replace(&read_buffer_key, rb);
	}
	return rb->data;
}

/* Plain extents of a file or block device go to the kernel without a copy in this process:
 * libfuse splices them from the source's descriptor into /dev/fuse. Anything that needs
 * decoding, zero-fill or a policy decision is read into memory as before; a read spanning
 * more runs than fit here is too. */
enum { SPLICE_MAX_EXTENTS = 16 };

typedef struct {
	struct fuse_bufvec vec; /* ends in buf[1]: the extra buffers follow it */
	struct fuse_buf more[SPLICE_MAX_EXTENTS - 1];
} SpliceVec;

static bool reply_spliced(fuse_req_t req, const RfsStream *stream, size_t size, off_t off)
{
	RfsFdExtent ext[SPLICE_MAX_EXTENTS];
	size_t n = 0;
	if (!rfs_stream_map_fd(stream, (uint64_t)off, size, ext, G_N_ELEMENTS(ext), &n))
		return false;
	SpliceVec sv = { .vec = { .count = n } };
	struct fuse_buf *bufs = sv.vec.buf;
	for (size_t i = 0; i < n; i++)
		bufs[i] = (struct fuse_buf){ .size = ext[i].length,
					     .flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK,
					     .fd = ext[i].fd,
					     .pos = (off_t)ext[i].fd_offset };
	int rc = fuse_reply_data(req, &sv.vec, FUSE_BUF_SPLICE_MOVE);
	if (rc != 0)
		g_message("spliced read at %jd+%zu: %s", (intmax_t)off, size, g_strerror(-rc));
	return true;
}

/* Plain extents of a file or block device are answered from the source's read-only
 * mapping (RfsFdExtent.mapped): the kernel copies them once, from the source's page cache
 * straight into the reader's buffer (direct_io) or the mount's page cache, and never
 * through a buffer here. A bad sector under the reply fails the kernel's copy, and with it
 * the whole request (EIO), as a failed pread does. The pages are unmapped again after the
 * reply, so that they never count toward this process's resident memory for long. */
static bool reply_mapped(fuse_req_t req, fuse_ino_t ino, const RfsStream *stream, size_t size,
			 off_t off)
{
	RfsFdExtent ext[SPLICE_MAX_EXTENTS];
	struct iovec iov[SPLICE_MAX_EXTENTS];
	size_t n = 0;
	if (!rfs_stream_map_fd(stream, (uint64_t)off, size, ext, G_N_ELEMENTS(ext), &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (ext[i].mapped == NULL)
			return false;
		iov[i] = (struct iovec){ .iov_base = (void *)ext[i].mapped, .iov_len = ext[i].length };
	}
	/* The kernel fails the request with EIO when its copy faults (EFAULT here); ENOENT:
	 * the reader was interrupted and gave up. */
	int rc = fuse_reply_iov(req, iov, (int)n);
	if (rc != 0 && rc != -ENOENT)
		g_message("read ino %" PRIu64 " at %jd+%zu: %s (the source failed under a mapped reply: %s)",
			  (uint64_t)ino, (intmax_t)off, size, g_strerror(EIO), g_strerror(-rc));
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < n; i++) {
		uintptr_t start = (uintptr_t)iov[i].iov_base & ~(page - 1);
		uintptr_t end = ((uintptr_t)iov[i].iov_base + iov[i].iov_len + page - 1) & ~(page - 1);
		madvise((void *)start, end - start, MADV_DONTNEED);
	}
	return true;
}

static void ops_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	if (daemon_of(req)->splice_reads ? reply_spliced(req, stream_of(fi), size, off)
					 : reply_mapped(req, ino, stream_of(fi), size, off))
		return;
	uint8_t *buf = read_buffer(size);
	size_t got = 0;
	GError *error = NULL;
	if (!rfs_stream_read(stream_of(fi), (uint64_t)off, buf, size, &got, &error)) {
		g_message("read ino %" PRIu64 " at %jd+%zu: %s", (uint64_t)ino, (intmax_t)off, size,
			  error->message);
		fuse_reply_err(req, errno_of(error));
		g_error_free(error);
		return;
	}
	fuse_reply_buf(req, (const char *)buf, got);
}

static void ops_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	streams_remove(daemon_of(req), stream_of(fi));
	rfs_stream_close(stream_of(fi));
	fuse_reply_err(req, 0);
}

/* ---- volume and extended attributes ---------------------------------------------------------- */

static void ops_statfs(fuse_req_t req, fuse_ino_t ino)
{
	Daemon *d = daemon_of(req);
	const RfsVolumeInfo *vol = rfs_context_volume(d->ctx);
	const RfsScanStats *stats = rfs_context_stats(d->ctx);
	struct statvfs sv = {
		.f_bsize = vol->cluster_size,
		.f_frsize = vol->cluster_size,
		.f_blocks = vol->total_clusters,
		.f_bfree = vol->free_clusters,
		.f_bavail = vol->free_clusters,
		.f_files = stats != NULL ? stats->records_total : 0,
		.f_ffree = 0,
		.f_favail = 0,
		.f_fsid = vol->serial,
		.f_flag = ST_RDONLY,
		.f_namemax = 1024, /* FUSE's own limit; an NTFS name plus ":stream" in UTF-8 can exceed 255 */
	};
	fuse_reply_statfs(req, &sv);
}

static void ops_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	Daemon *d = daemon_of(req);
	const RfsEntryInfo *info = visible_entry(d, ino);
	if (info == NULL) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	xattr_get(req, d, info, name, size);
}

static void ops_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	Daemon *d = daemon_of(req);
	const RfsEntryInfo *info = visible_entry(d, ino);
	if (info == NULL) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	xattr_list(req, d, info, size);
}

static void ops_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			 size_t size, int flags)
{
	fuse_reply_err(req, EROFS);
}

static void ops_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fuse_reply_err(req, EROFS);
}

/* Whether libfuse can grow its pipes to `pipe_bytes` past fs.pipe-max-size: the kernel
 * lets a process with CAP_SYS_RESOURCE do so. In a user namespace that capability shows in
 * the effective set but counts only in the initial namespace, so a throwaway pipe is grown
 * as libfuse will grow its own. */
static bool pipes_can_exceed_max(uint64_t pipe_bytes)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { 0 };
	if (syscall(SYS_capget, &header, caps) != 0 ||
	    !(caps[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective & CAP_TO_MASK(CAP_SYS_RESOURCE)))
		return false;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return false;
	bool grown = fcntl(fds[0], F_SETPIPE_SZ, (int)pipe_bytes) >= 0;
	close(fds[0]);
	close(fds[1]);
	return grown;
}

/* The largest read whose spliced reply fits one pipe: libfuse sizes the pipe for the data,
 * the header and a page per buffer, and cannot grow it past fs.pipe-max-size without
 * CAP_SYS_RESOURCE (it then copies instead). A power of two, so that the 1 MiB readahead
 * splits into whole requests. */
static uint32_t splice_read_bytes(uint32_t wanted)
{
	uint64_t overhead = (uint64_t)(SPLICE_MAX_EXTENTS + 3) * 4096;
	if (pipes_can_exceed_max(wanted + overhead))
		return wanted;
	g_autofree char *text = NULL;
	uint64_t pipe_max = 1024 * 1024; /* the kernel's default */
	if (g_file_get_contents("/proc/sys/fs/pipe-max-size", &text, NULL, NULL))
		pipe_max = g_ascii_strtoull(text, NULL, 10);
	uint32_t bytes = wanted;
	while (bytes > 128 * 1024 && bytes > pipe_max - MIN(pipe_max, overhead))
		bytes /= 2;
	return bytes;
}

static void ops_init(void *userdata, struct fuse_conn_info *conn)
{
	Daemon *d = userdata;
	/* Reads of one file may run in parallel; the library's streams allow it. */
	if (conn->capable & FUSE_CAP_ASYNC_READ)
		conn->want |= FUSE_CAP_ASYNC_READ;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	conn->want &= ~(unsigned)(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_AUTO_INVAL_DATA);
	/* With -o splice, replies to reads of plain extents are spliced from the source
	 * (ops_read). Not by default: when the source fails in the middle of a spliced reply,
	 * libfuse sends the bytes before the bad sector as a short read instead of an error,
	 * and the kernel takes the rest of the page for zeros. SPLICE_READ would only concern
	 * data the kernel sends us, and we take none. */
	if (d->want_splice && (conn->capable & FUSE_CAP_SPLICE_WRITE)) {
		conn->want |= FUSE_CAP_SPLICE_WRITE;
		if (conn->capable & FUSE_CAP_SPLICE_MOVE)
			conn->want |= FUSE_CAP_SPLICE_MOVE;
		d->splice_reads = true;
	}
	/* Big reads: libfuse derives the kernel's max_pages from max_write, even on a read-only
	 * file system, and readahead decides how much one sequential reader asks for at once. */
	enum { BIG_IO_BYTES = 1024 * 1024 };
	conn->max_write = d->splice_reads ? splice_read_bytes(BIG_IO_BYTES) : BIG_IO_BYTES;
	if (conn->max_readahead < BIG_IO_BYTES)
		conn->max_readahead = BIG_IO_BYTES;
}

const struct fuse_lowlevel_ops ops_table = {
	.init = ops_init,
	.lookup = ops_lookup,
	.getattr = ops_getattr,
	.setattr = ops_setattr,
	.opendir = ops_opendir,
	.readdir = ops_readdir,
	.readdirplus = ops_readdirplus,
	.open = ops_open,
	.read = ops_read,
	.release = ops_release,
	.statfs = ops_statfs,
	.getxattr = ops_getxattr,
	.listxattr = ops_listxattr,
	.setxattr = ops_setxattr,
	.removexattr = ops_removexattr,
};
