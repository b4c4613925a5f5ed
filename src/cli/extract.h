/* restorefs-scan --extract: recreates the selected entries under a destination directory.
 *
 * Files and named streams ("file:stream", beside their file) are copied with
 * rfs_context_restore(), which sets their times; directories are created as needed and get
 * their $STANDARD_INFORMATION times once their content is written.
 *
 * Each file is written under a hidden partial name in its folder (".NAME.restorefs-partial",
 * numbered if that exists) and renamed to NAME once complete, so NAME never holds a
 * truncated copy. SIGINT or SIGTERM during extract_run() removes the partial file and ends
 * the process with status EXTRACT_EXIT_SIGNAL_BASE + the signal number (130, 143). An
 * existing file is replaced only with --merge, and only when its size or modification time
 * differs from the copy's; directories and symlinks are never replaced.
 *
 * Before anything is written the target's free space is checked against what the selection
 * will take, and a read-only target is refused. The first failed write to the target
 * (ENOSPC, EROFS, EIO, EDQUOT, ...) stops the extraction with one message. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "restorefs/restorefs.h"

/* The exit status after SIGINT or SIGTERM is this plus the signal number, as shells say it. */
#define EXTRACT_EXIT_SIGNAL_BASE 128

typedef struct {
	bool merge;          /* DIR may already hold files: the same ones are skipped,
			      * different ones replaced                                   */
	bool quiet;          /* no progress bar                                       */
	bool no_directories; /* create only the directories that files need           */
	bool no_streams;     /* leave named data streams ("file:stream") out           */
	bool portable_names; /* names FAT/exFAT can hold (portable_name.h)             */
	RfsStreamOptions stream; /* what to copy for clusters now in use elsewhere     */
} ExtractOptions;

typedef struct {
	uint64_t files;         /* files and streams written (damaged ones included)       */
	uint64_t directories;   /* directories created                                     */
	uint64_t bytes;         /* bytes written                                           */
	uint64_t skipped;       /* already present under DIR, same size and time (--merge)  */
	uint64_t replaced;      /* present under DIR but different, replaced (--merge)     */
	uint64_t failures;      /* entries that could not be written; each reported        */
	uint64_t damaged_files; /* written with zero-filled unreadable ranges; each reported */
	uint64_t bad_bytes;     /* sum of those ranges                                     */
	uint64_t ghosts;        /* ghosts selected: names without data, never written      */
	uint64_t streams_left_out; /* named streams not written (--no-streams)        */
	int target_errno;       /* nonzero: a write to the target failed with it and the
				 * extraction stopped there (reported once)             */
	bool source_gone;       /* the source stopped answering (RFS_ERROR_GONE) and the
				 * extraction stopped there (reported once)             */
	uint64_t not_written;   /* files left unwritten because of either stop          */
	uint64_t by_state[RFS_STATE_COUNT]; /* files now under DIR (written or skipped) by
					     * the state of their data; each not intact reported */
} ExtractResult;

/* How many files under DIR are not intact (overwritten, incomplete, contested, ...). */
uint64_t extract_result_not_intact(const ExtractResult *result);

/* Checks, without creating anything, that `dest_dir` is missing, or an empty directory, or
 * any directory when `merge`, and not on a read-only file system; so a long scan does not
 * end in a refusal. RFS_ERROR_INVALID when it is not usable, RFS_ERROR_IO when it cannot
 * be read or is read-only. */
bool extract_check_dest(const char *dest_dir, bool merge, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Extracts `selected` (const RfsEntryInfo *, in tree order as filters_select() returns
 * them) under `dest_dir`, creating it if needed. Per-entry problems are reported on stderr
 * as one line each and counted in `result`; a failed write to the target stops the run
 * (result->target_errno). Returns false (error set) only when `dest_dir` cannot be used:
 * RFS_ERROR_INVALID when it is not empty and !merge, RFS_ERROR_IO when it cannot be
 * created, is read-only or has less free space than the selection needs (the message
 * gives both numbers). */
bool extract_run(RfsContext *ctx, const GPtrArray *selected, const char *dest_dir,
		 const ExtractOptions *opts, ExtractResult *result, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "extracted 12 files (3.4 MiB) and 2 directories to DIR; 0 failures; contents: 11 intact,
 * 1 overwritten" without '\n'. */
char *extract_summary(const ExtractResult *result, const char *dest_dir);
