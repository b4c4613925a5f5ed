/* Image files and block devices as a BlockSource. Opens O_RDONLY only, never writes;
 * block devices are also opened O_EXCL so that nobody mounts them while we read. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/block_source.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

typedef struct {
	BlockSource base;
	int fd;
	char *path;
	gsize map; /* g_once: the whole source mapped read-only (fd_range), or MAP_NONE */
} FileSource;

enum { MAP_NONE = 1 }; /* no mapping: none possible, or it failed */

/* errno of a source that is no longer there, as opposed to a bad sector (EIO): reading on
 * cannot help. */
static bool file_source_gone(int err)
{
	return err == ENODEV || err == ENXIO || err == ENOTCONN || err == ECONNABORTED ||
	       err == ESHUTDOWN || err == ESTALE;
}

static bool file_source_read_at(BlockSource *self, uint64_t offset, void *buf, size_t length,
				GError **error)
{
	FileSource *fs = (FileSource *)self;
	uint8_t *out = buf;

	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return rfs_set_io(error, "%s: read of %zu bytes at %" PRIu64 " is past the end (%" PRIu64 " bytes)",
				  fs->path, length, offset, self->size_bytes);
	while (length > 0) {
		ssize_t n = pread(fs->fd, out, length, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rfs_set_error(error, file_source_gone(errno) ? RFS_ERROR_GONE : RFS_ERROR_IO,
					     "%s: read at %" PRIu64 ": %s", fs->path, offset, g_strerror(errno));
		if (n == 0)
			return rfs_set_io(error, "%s: unexpected end of data at %" PRIu64, fs->path,
					  offset);
		out += n;
		offset += (uint64_t)n;
		length -= (size_t)n;
	}
	return true;
}

/* The whole source mapped read-only on first use, for zero-copy replies that let the
 * kernel copy straight from the source's page cache. Only a 64-bit address space has room
 * for any disk. A mapping takes no memory of its own; pages the kernel touches through it
 * count toward resident memory until the user unmaps them (MADV_DONTNEED). */
static const uint8_t *file_source_mapping(FileSource *fs)
{
	if (g_once_init_enter(&fs->map)) {
		gsize map = MAP_NONE;
		if (sizeof(void *) >= 8 && fs->base.size_bytes <= (uint64_t)SIZE_MAX) {
			void *p = mmap(NULL, (size_t)fs->base.size_bytes, PROT_READ, MAP_SHARED,
				       fs->fd, 0);
			if (p != MAP_FAILED)
				map = (gsize)p;
			else
				g_debug("%s: no mapping for zero-copy reads: %s", fs->path,
					g_strerror(errno));
		}
		g_once_init_leave(&fs->map, map);
	}
	return fs->map == MAP_NONE ? NULL : (const uint8_t *)fs->map;
}

static bool file_source_fd_range(BlockSource *self, uint64_t offset, uint64_t length, int *fd,
				 uint64_t *fd_offset, const uint8_t **mapped)
{
	FileSource *fs = (FileSource *)self;
	if (offset > self->size_bytes || length > self->size_bytes - offset)
		return false;
	*fd = fs->fd;
	*fd_offset = offset;
	const uint8_t *base = file_source_mapping(fs);
	*mapped = base != NULL ? base + offset : NULL;
	return true;
}

static void file_source_close(BlockSource *self)
{
	FileSource *fs = (FileSource *)self;
	if (fs->map != 0 && fs->map != MAP_NONE)
		munmap((void *)fs->map, (size_t)self->size_bytes);
	close(fs->fd);
	g_free(fs->path);
	g_free(fs);
}

/* mountinfo escapes blanks in paths as \040 and so on. */
static char *unescape_mount_field(const char *field)
{
	GString *out = g_string_new(NULL);
	for (const char *p = field; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			g_string_append_c(out, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
			p += 3;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

static bool options_say_rw(const char *opts)
{
	g_auto(GStrv) parts = g_strsplit(opts, ",", -1);
	for (char **p = parts; *p != NULL; p++)
		if (strcmp(*p, "rw") == 0)
			return true;
	return false;
}

/* The device numbers that stand for `st`: itself if a block device, or the loop devices
 * whose backing file it is. */
static GArray *devices_of(const char *real_path, const struct stat *st)
{
	GArray *devs = g_array_new(FALSE, FALSE, sizeof(dev_t));
	if (S_ISBLK(st->st_mode)) {
		g_array_append_val(devs, st->st_rdev);
		return devs;
	}
	g_autoptr(GDir) dir = g_dir_open("/sys/block", 0, NULL);
	const char *name;
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (!g_str_has_prefix(name, "loop"))
			continue;
		g_autofree char *bf = g_strdup_printf("/sys/block/%s/loop/backing_file", name);
		g_autofree char *backing = NULL;
		if (!g_file_get_contents(bf, &backing, NULL, NULL))
			continue;
		g_strchomp(backing);
		if (strcmp(backing, real_path) != 0)
			continue;
		g_autofree char *devf = g_strdup_printf("/sys/block/%s/dev", name);
		g_autofree char *numbers = NULL;
		unsigned maj, min;
		if (g_file_get_contents(devf, &numbers, NULL, NULL) &&
		    sscanf(numbers, "%u:%u", &maj, &min) == 2) {
			dev_t d = makedev(maj, min);
			g_array_append_val(devs, d);
		}
	}
	return devs;
}

/* Where `path` is mounted, the mount point (g_free) and whether read-write; NULL if it is
 * not mounted here (a read-write mount wins over read-only ones). */
static char *find_mount(const char *path, const struct stat *st, bool *rw)
{
	char *found = NULL;
	*rw = false;
	g_autofree char *real_path = realpath(path, NULL);
	g_autofree char *info = NULL;
	if (real_path == NULL || !g_file_get_contents("/proc/self/mountinfo", &info, NULL, NULL))
		return NULL;
	g_autoptr(GArray) devs = devices_of(real_path, st);
	g_auto(GStrv) lines = g_strsplit(info, "\n", -1);
	for (char **line = lines; *line != NULL; line++) {
		/* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
		g_auto(GStrv) f = g_strsplit(*line, " ", -1);
		guint n = g_strv_length(f);
		guint dash = 6;
		while (dash < n && strcmp(f[dash], "-") != 0)
			dash++;
		if (n < 6 || dash + 2 >= n)
			continue;
		unsigned maj, min;
		bool same = false;
		if (sscanf(f[2], "%u:%u", &maj, &min) == 2)
			for (guint i = 0; i < devs->len; i++)
				same = same || g_array_index(devs, dev_t, i) == makedev(maj, min);
		g_autofree char *source = unescape_mount_field(f[dash + 2]);
		g_autofree char *source_real = realpath(source, NULL);
		if (source_real != NULL && strcmp(source_real, real_path) == 0)
			same = true;
		/* FUSE file systems (ntfs-3g on a loop device) show the device as their source. */
		if (!same && source_real != NULL) {
			struct stat sst;
			if (stat(source_real, &sst) == 0 && S_ISBLK(sst.st_mode))
				for (guint i = 0; i < devs->len; i++)
					same = same || g_array_index(devs, dev_t, i) == sst.st_rdev;
		}
		if (!same || (found != NULL && !options_say_rw(f[5])))
			continue;
		g_free(found);
		found = unescape_mount_field(f[4]);
		if ((*rw = options_say_rw(f[5])))
			break;
	}
	return found;
}

static bool source_size(int fd, const struct stat *st, const char *path, uint64_t *size,
			uint32_t *sector_size, GError **error)
{
	*sector_size = 512;
	if (S_ISREG(st->st_mode)) {
		*size = (uint64_t)st->st_size;
		return true;
	}
	int ssz = 0;
	if (ioctl(fd, BLKGETSIZE64, size) != 0)
		return rfs_set_io(error, "%s: cannot read the device size: %s", path, g_strerror(errno));
	if (ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz >= 512 && ssz <= 65536)
		*sector_size = (uint32_t)ssz;
	return true;
}

BlockSource *file_source_open(const char *path, uint32_t flags, GError **error)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		rfs_set_error(error, errno == ENOENT ? RFS_ERROR_NOT_FOUND : RFS_ERROR_IO,
			      "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		rfs_set_error(error, RFS_ERROR_INVALID,
			      "%s is a directory; give an image file or a block device", path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		rfs_set_error(error, RFS_ERROR_INVALID,
			      "%s is neither an image file nor a block device", path);
		return NULL;
	}
	bool rw = false;
	g_autofree char *mount_point = find_mount(path, &st, &rw);
	if (rw && !(flags & FILE_SOURCE_FORCE)) {
		rfs_set_error(error, RFS_ERROR_BUSY,
			      "%s is mounted read-write on %s; unmount it first",
			      path, mount_point);
		return NULL;
	}
	int oflags = O_RDONLY | O_CLOEXEC;
	if (S_ISBLK(st.st_mode))
		oflags |= O_EXCL;
	int fd = open(path, oflags);
	if (fd < 0 && errno == EBUSY && S_ISBLK(st.st_mode)) {
		/* Held: by a read-only mount we can see, or by something we cannot (a mount in
		 * another namespace, a whole disk whose partition is mounted) that may be writing. */
		if (mount_point == NULL && !(flags & (FILE_SOURCE_FORCE | FILE_SOURCE_SHARED))) {
			rfs_set_error(error, RFS_ERROR_BUSY,
				      "%s is in use (mounted elsewhere, or a partition of it is); unmount it first",
				      path);
			return NULL;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		rfs_set_error(error, errno == EACCES ? RFS_ERROR_INVALID : RFS_ERROR_IO,
			      "%s: cannot open: %s", path, g_strerror(errno));
		return NULL;
	}
	FileSource *fs = g_new0(FileSource, 1);
	fs->fd = fd;
	fs->path = g_strdup(path);
	fs->base.read_at = file_source_read_at;
	fs->base.close = file_source_close;
	fs->base.fd_range = file_source_fd_range;
	if (!source_size(fd, &st, path, &fs->base.size_bytes, &fs->base.sector_size, error)) {
		file_source_close(&fs->base);
		return NULL;
	}
	if (fs->base.size_bytes == 0) {
		rfs_set_error(error, RFS_ERROR_INVALID, "%s is empty", path);
		file_source_close(&fs->base);
		return NULL;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return &fs->base;
}
