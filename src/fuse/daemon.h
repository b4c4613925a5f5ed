/* What the FUSE handlers share: the restore context and the presentation options. Built
 * before the session loop starts and never written afterwards, so handlers read it without
 * locks from any number of threads; only open and release touch the table of open streams,
 * under its own lock. */
#pragma once

#define FUSE_USE_VERSION 312 /* libfuse 3.12: fuse_loop_cfg */

#include <fuse_lowlevel.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "restorefs/restorefs.h"

/* Inode numbers: the library's entry ids ARE the FUSE inode numbers.
 *   ino 1 = RFS_ENTRY_ROOT = FUSE_ROOT_ID, ino 2 = RFS_ENTRY_LOST_FOUND,
 *   otherwise ino = (MFT record number << 8) | stream slot (slot 0: the unnamed stream or
 *   the directory itself; slots 1..255: named streams in on-disk order).
 * generation = the record's sequence number (0 for the synthetic root and lost+found).
 * Ids are stable across mounts of the same volume and the index never changes while
 * mounted, so there is no inode table and FORGET has nothing to release. */
G_STATIC_ASSERT(RFS_ENTRY_ROOT == FUSE_ROOT_ID);

typedef struct {
	RfsContext *ctx;
	uid_t uid;              /* owner shown for every entry */
	gid_t gid;
	mode_t umask;           /* applied to 0644 (files) and 0755 (directories) */
	bool show_live;         /* live files are indexed too; they carry user.restorefs.live */
	bool want_splice;       /* -o splice: splice_reads when the kernel can */
	bool direct_io;         /* -o direct_io: files opened with FOPEN_DIRECT_IO */
	bool show_ghosts;       /* ghosts are shown (mode 0000, empty, open fails) */
	GHashTable *visible;    /* with a selection (--name, --min-recoverable, ...): the ids
				 * (RfsEntryId *, into the index) of what is shown, the folders
				 * leading to it included; NULL = everything */
	RfsStreamOptions stream_options; /* what reads serve for overwritten and lost ranges */
	double timeout_seconds; /* how long the kernel may cache entries and attributes */
	uint32_t blksize;       /* st_blksize: the preferred read size, in bytes */
	GHashTable *subdirs;    /* RfsEntryId* -> guint subdirectory count, for st_nlink */
	/* RfsStreams handed to the kernel and not yet released. The kernel drops the RELEASE of
	 * files still open when the connection ends (a lazy unmount, a signal), so run() closes
	 * what is left once the loop has joined its workers. The front end's only lock: taken
	 * on open and release, never on reads. */
	GHashTable *streams;
	GMutex streams_lock;
	bool splice_reads;      /* set once by init: the kernel takes replies spliced from the source */
} Daemon;

/* The low-level operations; userdata of the session is the Daemon. */
extern const struct fuse_lowlevel_ops ops_table;

/* Counts each directory's shown subdirectories once, after the scan (and `visible`) and
 * before the loop. */
void ops_count_subdirs(Daemon *daemon);

/* Closes the streams whose RELEASE never came (run() made the table); returns how many.
 * Only once the session loop has returned: no handler runs any more. */
guint ops_close_streams(Daemon *daemon);

/* Whether the selection hides the entry: not selected, and no folder above a selected one
 * (never the root or lost+found), or it is a ghost and -o ghosts was not given. */
bool ops_hidden(const Daemon *daemon, const RfsEntryInfo *info);

/* Extended attributes in the user.restorefs. namespace (xattr.c). */
void xattr_get(fuse_req_t req, const Daemon *daemon, const RfsEntryInfo *info,
	       const char *name, size_t size);
void xattr_list(fuse_req_t req, const Daemon *daemon, const RfsEntryInfo *info, size_t size);
