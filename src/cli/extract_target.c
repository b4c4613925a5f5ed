/* The checks --extract makes of its target before anything is written: a read-only file
 * system, and free space (statvfs) against what the selection takes. A target that fills
 * later anyway (other writers, file system overhead) is extract.c's to stop at. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "extract_target.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "list_format.h"
#include "portable_name.h"

static bool target_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool target_error(GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, RFS_ERROR, RFS_ERROR_IO, msg);
	return false;
}

/* The file system `dest_dir` (or its nearest existing parent) is on; refuses a read-only one. */
static bool target_vfs(const char *dest_dir, struct statvfs *vfs, GError **error)
{
	g_autofree char *probe = g_strdup(dest_dir);
	while (statvfs(probe, vfs) != 0) {
		int err = errno;
		g_autofree char *parent = g_path_get_dirname(probe);
		if (err != ENOENT || strcmp(parent, probe) == 0)
			return target_error(error, "%s: %s", probe, g_strerror(err));
		g_free(probe);
		probe = g_steal_pointer(&parent);
	}
	if (vfs->f_flag & ST_RDONLY)
		return target_error(error, "%s: the target is on a read-only file system; extract to another target",
				    dest_dir);
	return true;
}

bool extract_target_check_writable(const char *dest_dir, GError **error)
{
	struct statvfs vfs;
	return target_vfs(dest_dir, &vfs, error);
}

bool extract_target_writes(const RfsEntryInfo *e, const ExtractOptions *opts)
{
	return !(e->flags & (RFS_ENTRY_DIRECTORY | RFS_ENTRY_GHOST)) &&
	       !(opts->no_streams && (e->flags & RFS_ENTRY_STREAM));
}

/* With --merge, whether the file is already under DIR (and so likely skipped); with
 * --portable-names the name is the rewritten one, collisions aside. */
static bool already_there(RfsContext *ctx, const RfsEntryInfo *e, const char *dest_dir,
			  const ExtractOptions *opts)
{
	g_autofree char *tree = rfs_context_entry_path(ctx, e->id);
	if (tree == NULL)
		return false;
	g_autoptr(GString) path = g_string_new(dest_dir);
	g_auto(GStrv) parts = g_strsplit(tree + (tree[0] == '/'), "/", -1);
	for (char **p = parts; *p != NULL; p++) {
		g_autofree char *name = opts->portable_names ? portable_name_of(*p) : g_strdup(*p);
		g_string_append_printf(path, "/%s", name);
	}
	struct stat st;
	return lstat(path->str, &st) == 0;
}

/* Bytes a file takes on the target: its data (a sparse one only its clusters on the
 * volume), rounded up to the target's blocks. */
static uint64_t bytes_on_target(const RfsContext *ctx, const RfsEntryInfo *e, uint64_t block)
{
	uint64_t bytes = e->size_bytes;
	uint64_t allocated = 0;
	if ((e->flags & RFS_ENTRY_SPARSE) &&
	    g_uint64_checked_mul(&allocated, e->clusters, rfs_context_volume(ctx)->cluster_size))
		bytes = MIN(bytes, allocated);
	return bytes / block * block + (bytes % block != 0 ? block : 0);
}

bool extract_target_check_space(RfsContext *ctx, const GPtrArray *selected, const char *dest_dir,
				const ExtractOptions *opts, GError **error)
{
	struct statvfs vfs;
	if (!target_vfs(dest_dir, &vfs, error))
		return false;
	uint64_t block = vfs.f_frsize > 0 ? vfs.f_frsize : 4096, need = 0, files = 0, available = 0;
	for (guint i = 0; i < selected->len; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(selected, i);
		if (!extract_target_writes(e, opts) || (opts->merge && already_there(ctx, e, dest_dir, opts)))
			continue;
		if (!g_uint64_checked_add(&need, need, bytes_on_target(ctx, e, block)))
			need = UINT64_MAX;
		files++;
	}
	if (!g_uint64_checked_mul(&available, vfs.f_bavail, block))
		available = UINT64_MAX;
	if (need <= available)
		return true;
	char need_text[LIST_FORMAT_SIZE_SIZE], available_text[LIST_FORMAT_SIZE_SIZE];
	list_format_human_size(need, need_text);
	list_format_human_size(available, available_text);
	return target_error(error,
			  "%s: not enough free space: the %" PRIu64 " selected %s need %s (%" PRIu64 " bytes), "
			  "the target has %s (%" PRIu64 " bytes) free; extract to another target, or narrow "
			  "the selection (--name, --max-size, --min-recoverable, --no-streams)",
			  dest_dir, files, files == 1 ? "file" : "files", need_text, need, available_text,
			  available);
}
