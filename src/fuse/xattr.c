/* Read-only extended attributes in the user.restorefs. namespace, computed from the index on
 * demand. Any other name (security.*, system.posix_acl_*, ...) is ENODATA and never another
 * error, because file managers, cp -a and rsync -X probe them on every file.
 * Entries under /@GMT-... come from a Volume Shadow Copy (RFS_ENTRY_SNAPSHOT): their bytes
 * are read from the copy's blocks, which the copy keeps as they were, so such a file is
 * intact unless the copy's own MFT and $Bitmap say otherwise (a file already deleted in the
 * copy); the state, recoverable and clusters attributes are computed against the copy.
 * user.restorefs.shadow_copy names the copy: "GUID creation-time". */
#define G_LOG_DOMAIN "restorefs-fuse"

#include "daemon.h"

#include "entry_text.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define XATTR_PREFIX "user.restorefs."

typedef enum {
	XATTR_MFT,             /* "record-sequence" */
	XATTR_CLUSTERS,
	XATTR_CLUSTERS_IN_USE,
	XATTR_RECOVERABLE,     /* integer percent */
	XATTR_CRTIME,          /* ISO 8601 UTC, $STANDARD_INFORMATION */
	XATTR_FN_CRTIME,       /* ISO 8601 UTC, $FILE_NAME */
	XATTR_FN_MTIME,
	XATTR_FN_ATIME,
	XATTR_FN_CTIME,
	XATTR_ORIGINAL_PATH,
	XATTR_FLAGS,           /* comma-separated RfsEntryFlags names */
	XATTR_LIVE,            /* present only on entries still in use on the volume */
	XATTR_STATE,           /* rfs_entry_state_name(): "intact", "overwritten", ... */
	XATTR_UNREADABLE_BYTES, /* bytes whose location is lost: zeros, or EIO (-o unreadable=eio) */
	XATTR_DELETED,         /* ISO 8601 UTC, from the change journal; absent when unknown */
	XATTR_PATH_SOURCE,     /* rfs_path_source_name(): where its name and parent come from */
	XATTR_SNAPSHOT,        /* the shadow copy it comes from; absent for the volume itself */
	XATTR_GHOST,           /* "1", only on ghosts (-o ghosts): a name without data */
	XATTR_GHOST_SIZE,      /* the size a ghost had, from its index entry (st_size is 0) */
	XATTR_SHADOW_COPY,     /* "GUID ISO-time" of the shadow copy an entry comes from */
	XATTR_COUNT,
} XattrName;

static const char *const xattr_names[XATTR_COUNT] = {
	[XATTR_MFT] = XATTR_PREFIX "mft",
	[XATTR_CLUSTERS] = XATTR_PREFIX "clusters",
	[XATTR_CLUSTERS_IN_USE] = XATTR_PREFIX "clusters_in_use",
	[XATTR_RECOVERABLE] = XATTR_PREFIX "recoverable",
	[XATTR_CRTIME] = XATTR_PREFIX "crtime",
	[XATTR_FN_CRTIME] = XATTR_PREFIX "fn_crtime",
	[XATTR_FN_MTIME] = XATTR_PREFIX "fn_mtime",
	[XATTR_FN_ATIME] = XATTR_PREFIX "fn_atime",
	[XATTR_FN_CTIME] = XATTR_PREFIX "fn_ctime",
	[XATTR_ORIGINAL_PATH] = XATTR_PREFIX "original_path",
	[XATTR_FLAGS] = XATTR_PREFIX "flags",
	[XATTR_LIVE] = XATTR_PREFIX "live",
	[XATTR_STATE] = XATTR_PREFIX "state",
	[XATTR_UNREADABLE_BYTES] = XATTR_PREFIX "unreadable_bytes",
	[XATTR_DELETED] = XATTR_PREFIX "deleted",
	[XATTR_PATH_SOURCE] = XATTR_PREFIX "path_source",
	[XATTR_SNAPSHOT] = XATTR_PREFIX "snapshot",
	[XATTR_GHOST] = XATTR_PREFIX "ghost",
	[XATTR_GHOST_SIZE] = XATTR_PREFIX "ghost_size",
	[XATTR_SHADOW_COPY] = XATTR_PREFIX "shadow_copy",
};

static bool append_time(GString *out, int64_t filetime)
{
	if (filetime == 0)
		return false;
	if (out != NULL) {
		char iso[ENTRY_TEXT_ISO_SIZE];
		entry_text_filetime_iso(filetime, iso);
		g_string_append(out, iso);
	}
	return true;
}

/* Opens the stream to learn what its runlist has lost: the index keeps no runlists. */
static bool append_unreadable_bytes(const Daemon *d, const RfsEntryInfo *info, GString *out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RfsStream) stream = rfs_stream_open(d->ctx, info->id, &d->stream_options, &error);
	if (stream == NULL) {
		g_message("xattr unreadable_bytes of record %" PRIu64 ": %s", info->mft_record, error->message);
		return false;
	}
	g_string_append_printf(out, "%" PRIu64, rfs_stream_unreadable_bytes(stream));
	return true;
}

/* Appends the value of one of the attributes about a file's data. */
static bool data_value(const Daemon *d, const RfsEntryInfo *info, XattrName which, GString *out)
{
	switch (which) {
	case XATTR_CLUSTERS:
		g_string_append_printf(out, "%" PRIu32, info->clusters);
		return true;
	case XATTR_CLUSTERS_IN_USE:
		g_string_append_printf(out, "%" PRIu32, info->clusters_in_use);
		return true;
	case XATTR_RECOVERABLE:
		g_string_append_printf(out, "%u", rfs_entry_recoverable_percent(info));
		return true;
	case XATTR_STATE:
		g_string_append(out, rfs_entry_state_name(rfs_entry_state(info)));
		return true;
	case XATTR_UNREADABLE_BYTES:
		return append_unreadable_bytes(d, info, out);
	default:
		return false;
	}
}

/* Whether `info` has attribute `which`; when it does and `out` is not NULL, appends the value.
 * Listing passes NULL so that it never builds a path. */
static bool xattr_value(const Daemon *d, const RfsEntryInfo *info, XattrName which, GString *out)
{
	bool synthetic = (info->flags & RFS_ENTRY_SYNTHETIC) != 0;
	switch (which) {
	case XATTR_MFT:
		if (synthetic)
			return false;
		if (out != NULL)
			g_string_append_printf(out, "%" PRIu64 "-%u", info->mft_record, info->sequence);
		return true;
	case XATTR_CLUSTERS:
	case XATTR_CLUSTERS_IN_USE:
	case XATTR_RECOVERABLE:
	case XATTR_STATE:
	case XATTR_UNREADABLE_BYTES:
		if (synthetic || (info->flags & RFS_ENTRY_DIRECTORY))
			return false;
		if (which == XATTR_UNREADABLE_BYTES && (info->flags & RFS_ENTRY_GHOST))
			return false; /* no stream to open */
		return out == NULL || data_value(d, info, which, out);
	case XATTR_GHOST:
	case XATTR_GHOST_SIZE:
		if (!(info->flags & RFS_ENTRY_GHOST))
			return false;
		if (out != NULL && which == XATTR_GHOST)
			g_string_append_c(out, '1');
		else if (out != NULL)
			g_string_append_printf(out, "%" PRIu64, info->size_bytes);
		return true;
	case XATTR_CRTIME:
		return append_time(out, info->times.creation);
	case XATTR_FN_CRTIME:
		return append_time(out, info->fn_times.creation);
	case XATTR_FN_MTIME:
		return append_time(out, info->fn_times.last_write);
	case XATTR_FN_ATIME:
		return append_time(out, info->fn_times.last_access);
	case XATTR_FN_CTIME:
		return append_time(out, info->fn_times.mft_change);
	case XATTR_ORIGINAL_PATH:
		if (synthetic)
			return false;
		if (out != NULL) {
			g_autofree char *path = rfs_context_entry_original_path(d->ctx, info->id);
			if (path == NULL)
				return false;
			g_string_append(out, path);
		}
		return true;
	case XATTR_FLAGS:
		if (out != NULL)
			entry_text_flags(out, info->flags, ',');
		return true;
	case XATTR_LIVE:
		/* A shadow copy's file is gone from the live volume, even if live in the copy. */
		if (synthetic || (info->flags & (RFS_ENTRY_REMOVED | RFS_ENTRY_SNAPSHOT)))
			return false;
		if (out != NULL)
			g_string_append_c(out, '1');
		return true;
	case XATTR_DELETED:
		return append_time(out, info->deleted_time);
	case XATTR_PATH_SOURCE:
		if (synthetic)
			return false;
		if (out != NULL)
			g_string_append(out, rfs_path_source_name((RfsPathSource)info->path_source));
		return true;
	case XATTR_SNAPSHOT:
		if (info->snapshot == 0)
			return false;
		if (out != NULL)
			g_string_append_printf(out, "%u", (unsigned)info->snapshot);
		return true;
	case XATTR_SHADOW_COPY: {
		const RfsSnapshotInfo *copy = (info->flags & RFS_ENTRY_SNAPSHOT) && info->snapshot > 0
						      ? rfs_context_snapshot(d->ctx, info->snapshot - 1u) : NULL;
		if (copy == NULL)
			return false;
		if (out != NULL) {
			g_string_append_printf(out, "%s ", copy->identifier);
			append_time(out, copy->creation_time);
		}
		return true;
	}
	case XATTR_COUNT:
		break;
	}
	return false;
}

/* The size-probe protocol: size 0 asks for the length; a buffer too small is ERANGE. */
static void reply_value(fuse_req_t req, const char *value, size_t length, size_t size)
{
	if (size == 0)
		fuse_reply_xattr(req, length);
	else if (size < length)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, value, length);
}

void xattr_get(fuse_req_t req, const Daemon *daemon, const RfsEntryInfo *info,
	       const char *name, size_t size)
{
	if (strncmp(name, XATTR_PREFIX, strlen(XATTR_PREFIX)) != 0) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	for (int i = 0; i < XATTR_COUNT; i++) {
		if (strcmp(name, xattr_names[i]) != 0)
			continue;
		g_autoptr(GString) value = g_string_new(NULL);
		if (!xattr_value(daemon, info, (XattrName)i, value))
			break;
		reply_value(req, value->str, value->len, size);
		return;
	}
	fuse_reply_err(req, ENODATA);
}

void xattr_list(fuse_req_t req, const Daemon *daemon, const RfsEntryInfo *info, size_t size)
{
	char names[1024];
	size_t length = 0;
	for (int i = 0; i < XATTR_COUNT; i++) {
		if (!xattr_value(daemon, info, (XattrName)i, NULL))
			continue;
		size_t n = strlen(xattr_names[i]) + 1;
		G_STATIC_ASSERT(sizeof names > XATTR_COUNT * 40);
		memcpy(names + length, xattr_names[i], n);
		length += n;
	}
	reply_value(req, names, length, size);
}
