/* The --extract tree writer. It owns the destination directory layout and directory times,
 * the partial names files are written under and the workers that write files; file data
 * and file times are rfs_context_restore_at()'s, signals extract_signals.c's. It
 * refuses names that would leave the destination ("", ".", "..") and never follows a
 * symlink it did not create. Messages and counts come out in the selection's order
 * whatever the workers finish first; the first failed write to the target stops the run
 * and is the only message about it. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "extract.h"
#include "extract_signals.h"
#include "extract_target.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "list_format.h"
#include "portable_name.h"
#include "restorefs/internal.h"

#include "progress.h"

/* Files are written by up to EXTRACT_WORKERS threads; EXTRACT_WINDOW entries may be in
 * flight, each in a ring slot that also holds its partial path for the signal handler. */
enum { EXTRACT_WORKERS = 4, EXTRACT_WINDOW = EXTRACT_SIGNALS_SLOTS };

typedef struct {
	char *path;
	const RfsEntryInfo *info;
} CreatedDir;

/* A destination directory opened for the files written into it; the last job closes it. */
typedef struct {
	int fd;
	gint refs;
	RfsEntryId id;
} DirHandle;

typedef struct Extract Extract;

/* One selected entry. The main thread fills it in order (its messages go to `out`), a
 * worker writes the file when `info` is set, and the main thread retires it in order. */
typedef struct {
	Extract *x;
	unsigned slot;
	const RfsEntryInfo *info; /* NULL: nothing for a worker to write               */
	char *path;               /* the destination, for messages                     */
	char *partial;            /* partial name, in the same directory               */
	DirHandle *dir;
	RfsRestoreOptions options;
	GString *out;             /* messages, printed when the entry is retired       */
	uint64_t size;            /* bytes the progress bar counts for it              */
	uint64_t progressed;      /* of those, already added to x->done_bytes          */
	uint64_t bad;
	GError *error;
	int target_errno;         /* the write to the target failed with it             */
	bool cancelled;           /* not written: an earlier write to the target failed,
				   * or the source stopped answering                   */
	bool source_gone;         /* the source stopped answering during this one       */
	bool file;                /* a file or stream, not a directory                  */
	bool ok;
	bool done;                /* under x->lock                                     */
} Job;

struct Extract {
	RfsContext *ctx;
	const char *dest_dir;
	const ExtractOptions *opts;
	ExtractResult *result;
	GHashTable *dirs;     /* &info->id -> destination path of a directory known to exist */
	GHashTable *used;     /* --portable-names: "DIR/casefolded name" already given out   */
	GArray *created;      /* CreatedDir, in creation order                              */
	Progress *progress;
	GString *sink;        /* while an entry is prepared: where report() writes           */
	DirHandle *dir;       /* the directory the last file went into                       */
	GThreadPool *pool;
	GMutex lock;
	GCond finished;
	Job ring[EXTRACT_WINDOW];
	unsigned head, count;
	_Atomic uint64_t done_bytes; /* bytes written or passed over, for the progress bar      */
	atomic_bool stop;     /* a write to the target failed, or the source stopped
			       * answering: submit and write no more                       */
	int pending_errno;    /* a directory could not be created, for the entry in hand     */
	char *pending_path;   /* ... and its path                                            */
};

/* One line per problem on stderr; a progress bar being drawn is wiped first and redraws
 * itself at its next update. */
static void report(const Extract *x, const char *path, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void report(const Extract *x, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_autoptr(GString) line = g_string_new("restorefs-scan: ");
	entry_text_escape(line, path); /* names come from the disk */
	g_string_append(line, ": ");
	entry_text_escape(line, msg);
	g_string_append_c(line, '\n');
	if (x->sink != NULL) {
		g_string_append(x->sink, line->str);
		return;
	}
	if (x->progress != NULL && isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	fputs(line->str, stderr);
}

static bool dir_is_empty(const char *path, bool *empty, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, error);
	if (dir == NULL)
		return false;
	*empty = g_dir_read_name(dir) == NULL;
	return true;
}

bool extract_check_dest(const char *dest_dir, bool merge, GError **error)
{
	struct stat st;
	if (stat(dest_dir, &st) != 0) {
		if (errno == ENOENT)
			return extract_target_check_writable(dest_dir, error);
		g_set_error(error, RFS_ERROR, RFS_ERROR_IO, "%s: %s", dest_dir, g_strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error, RFS_ERROR, RFS_ERROR_INVALID, "%s exists and is not a directory", dest_dir);
		return false;
	}
	bool empty = false;
	if (!dir_is_empty(dest_dir, &empty, error))
		return false;
	if (!empty && !merge) {
		g_set_error(error, RFS_ERROR, RFS_ERROR_INVALID,
			    "%s is not empty (--merge adds to it, never overwriting a file)", dest_dir);
		return false;
	}
	return extract_target_check_writable(dest_dir, error);
}

static bool prepare_dest(const char *dest_dir, GError **error)
{
	if (g_mkdir_with_parents(dest_dir, 0755) != 0) {
		g_set_error(error, RFS_ERROR, RFS_ERROR_IO, "cannot create %s: %s", dest_dir, g_strerror(errno));
		return false;
	}
	return true;
}

/* A tree path is safe when no component is empty, "." or "..". */
static bool path_is_safe(const char *tree_path)
{
	g_auto(GStrv) parts = g_strsplit(tree_path + (tree_path[0] == '/'), "/", -1);
	for (char **p = parts; *p != NULL; p++) {
		if (**p == '\0' || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0)
			return false;
	}
	return true;
}

/* --portable-names: the parent's destination (ensure_dir() made it) joined with the entry's
 * name rewritten for FAT/exFAT, made unique in that folder (case-insensitively, as FAT
 * compares names) with a collision name. */
static char *portable_path_of(Extract *x, RfsEntryId id)
{
	const RfsEntryInfo *info = rfs_context_lookup(x->ctx, id);
	const char *parent = info != NULL ? g_hash_table_lookup(x->dirs, &info->parent_id) : NULL;
	if (parent == NULL || info->name[0] == '\0')
		return NULL;
	g_autofree char *name = portable_name_of(info->name);
	for (unsigned attempt = 1; attempt <= 1000; attempt++) {
		g_autofree char *candidate = attempt == 1 ? g_strdup(name)
							  : portable_name_collision(name, info->mft_record, attempt - 1);
		g_autofree char *folded = g_utf8_casefold(candidate, -1);
		char *key = g_strconcat(parent, "/", folded, NULL);
		if (g_hash_table_contains(x->used, key)) {
			g_free(key);
			continue;
		}
		g_hash_table_add(x->used, key);
		return g_strconcat(parent, "/", candidate, NULL);
	}
	return NULL;
}

static char *dest_path_of(Extract *x, RfsEntryId id)
{
	if (x->opts->portable_names)
		return portable_path_of(x, id);
	g_autofree char *tree = rfs_context_entry_path(x->ctx, id);
	if (tree == NULL || (strcmp(tree, "/") != 0 && !path_is_safe(tree)))
		return NULL;
	return g_strconcat(x->dest_dir, strcmp(tree, "/") == 0 ? "" : tree, NULL);
}

/* Makes sure the directory entry `id` exists under the destination, creating its parents
 * first; returns its path (owned by x->dirs) or NULL after reporting why. */
static const char *ensure_dir(Extract *x, RfsEntryId id, unsigned depth)
{
	const RfsEntryInfo *info = rfs_context_lookup(x->ctx, id);
	if (info == NULL || depth > 4096) {
		report(x, x->dest_dir, "entry %" PRIu64 ": no such directory in the index", (uint64_t)id);
		return NULL;
	}
	const char *known = g_hash_table_lookup(x->dirs, &info->id);
	if (known != NULL)
		return known;
	if (id == RFS_ENTRY_ROOT) {
		char *root = g_strdup(x->dest_dir);
		g_hash_table_insert(x->dirs, (gpointer)&info->id, root);
		return root;
	}
	if (info->parent_id != id && ensure_dir(x, info->parent_id, depth + 1) == NULL)
		return NULL;
	char *path = dest_path_of(x, id);
	if (path == NULL) {
		report(x, x->dest_dir, "entry %" PRIu64 ": unsafe name, skipped", (uint64_t)id);
		return NULL;
	}
	struct stat st;
	if (mkdir(path, 0755) == 0) {
		x->result->directories++;
		if (!(info->flags & RFS_ENTRY_SYNTHETIC)) {
			CreatedDir c = { .path = path, .info = info };
			g_array_append_val(x->created, c);
		}
	} else if (errno == EEXIST && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* --merge into a tree an earlier run began: its times are still to be set */
		if (!(info->flags & RFS_ENTRY_SYNTHETIC)) {
			CreatedDir c = { .path = path, .info = info };
			g_array_append_val(x->created, c);
		}
	} else if (errno != EEXIST) {
		/* the target itself failed: the entry in hand reports it (submit()) */
		x->pending_errno = errno;
		g_free(x->pending_path);
		x->pending_path = path;
		return NULL;
	} else {
		/* An existing symlink (or file) is never followed or replaced. */
		report(x, path, "cannot create directory: exists and is not a directory");
		g_free(path);
		return NULL;
	}
	g_hash_table_insert(x->dirs, (gpointer)&info->id, path);
	return path;
}

/* ".NAME.restorefs-partial" beside NAME in `dir_fd`, or ".NAME.N.restorefs-partial" when
 * that exists; NAME is shortened (at a UTF-8 boundary) to keep within NAME_MAX. NULL if none
 * is free. The file is then created with O_EXCL, so an existing file is never touched. */
static char *partial_name_of(int dir_fd, const char *name)
{
	for (unsigned k = 1; k <= 100; k++) {
		char tag[32];
		if (k == 1)
			g_snprintf(tag, sizeof tag, ".restorefs-partial");
		else
			g_snprintf(tag, sizeof tag, ".%u.restorefs-partial", k);
		size_t keep = MIN(strlen(name), NAME_MAX - 1 - strlen(tag));
		while (keep > 0 && ((uint8_t)name[keep] & 0xC0) == 0x80)
			keep--;
		char *candidate = g_strdup_printf(".%.*s%s", (int)keep, name, tag);
		struct stat st;
		if (fstatat(dir_fd, candidate, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
			return candidate;
		g_free(candidate);
	}
	return NULL;
}

/* Whether the file at `path` is what extracting `info` would write: same size and
 * modification time (to the second on file systems without sub-second times). */
static bool same_as_copy(const struct stat *st, const RfsEntryInfo *info)
{
	if (!S_ISREG(st->st_mode) || (uint64_t)st->st_size != info->size_bytes)
		return false;
	if (info->times.last_write == 0) /* no time to compare: the copy gets the current one */
		return true;
	int64_t sec;
	long nsec;
	rfs_filetime_to_timespec(info->times.last_write, &sec, &nsec);
	return st->st_mtim.tv_sec == (time_t)sec && (st->st_mtim.tv_nsec == nsec || st->st_mtim.tv_nsec == 0);
}

/* Counts the state of a file that is now under DIR, and names it unless intact. */
static void note_state(Extract *x, const char *path, const RfsEntryInfo *info)
{
	RfsEntryState state = rfs_entry_state(info);
	x->result->by_state[state]++;
	if (state != RFS_STATE_INTACT)
		report(x, path, "not intact: %s (%u%% recoverable)", entry_text_state_words(state),
		       rfs_entry_recoverable_percent(info));
}

/* Whether `path` may be written: absent, or (--merge) a different regular file to replace.
 * Counts and reports what it refuses or skips. */
static bool may_write(Extract *x, int dir_fd, const char *name, const char *path,
		      const RfsEntryInfo *info, uint32_t *flags)
{
	struct stat st;
	*flags = RFS_RESTORE_DEFAULT;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return true;
	if (!x->opts->merge) {
		report(x, path, "exists, not overwritten");
		x->result->failures++;
		return false;
	}
	if (same_as_copy(&st, info)) {
		x->result->skipped++;
		note_state(x, path, info);
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		report(x, path, "exists and is not a regular file, not replaced");
		x->result->failures++;
		return false;
	}
	*flags = RFS_RESTORE_REPLACE;
	return true;
}

static void dir_handle_unref(DirHandle *d)
{
	if (d != NULL && g_atomic_int_dec_and_test(&d->refs)) {
		close(d->fd);
		g_free(d);
	}
}

/* The directory `id` (whose path is `path`) opened for writing into, shared by consecutive
 * files: the selection is in tree order. NULL after reporting why not. */
static DirHandle *dir_handle_of(Extract *x, RfsEntryId id, const char *path)
{
	if (x->dir != NULL && x->dir->id == id)
		return x->dir;
	/* below DIR, only directories this run created or found as directories (never a symlink) */
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (id == RFS_ENTRY_ROOT ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		report(x, path, "cannot open directory: %s", g_strerror(errno));
		return NULL;
	}
	dir_handle_unref(x->dir);
	x->dir = g_new0(DirHandle, 1);
	x->dir->fd = fd;
	x->dir->refs = 1;
	x->dir->id = id;
	return x->dir;
}

/* Decides, in selection order, whether and where the file is written; sets job->info if a
 * worker is to write it. */
static void prepare_file(Extract *x, Job *job, const RfsEntryInfo *info)
{
	const char *dir_path = ensure_dir(x, info->parent_id, 0);
	DirHandle *dir = dir_path != NULL ? dir_handle_of(x, info->parent_id, dir_path) : NULL;
	if (dir == NULL) {
		x->result->failures++;
		return;
	}
	job->path = dest_path_of(x, info->id);
	if (job->path == NULL) {
		report(x, x->dest_dir, "entry %" PRIu64 ": unsafe name, skipped", (uint64_t)info->id);
		x->result->failures++;
		return;
	}
	const char *name = strrchr(job->path, '/') + 1; /* dest_path_of() joins with '/' */
	job->options = (RfsRestoreOptions){ .stream = x->opts->stream };
	if (!may_write(x, dir->fd, name, job->path, info, &job->options.flags))
		return;
	job->partial = partial_name_of(dir->fd, name);
	if (job->partial == NULL) {
		report(x, job->path, "no free name for the partial copy beside it");
		x->result->failures++;
		return;
	}
	g_autofree char *partial_path = g_strdup_printf("%s/%s", dir_path, job->partial);
	extract_signals_slot_set(job->slot, partial_path);
	g_atomic_int_inc(&dir->refs);
	job->dir = dir;
	job->info = info;
}

static void job_progress(uint64_t done, uint64_t total, void *user_data)
{
	Job *job = user_data;
	if (done > job->progressed) {
		atomic_fetch_add(&job->x->done_bytes, done - job->progressed);
		job->progressed = done;
	}
}

static void write_file(gpointer data, gpointer user_data)
{
	Job *job = data;
	Extract *x = job->x;
	const char *name = strrchr(job->path, '/') + 1;
	if (atomic_load(&x->stop))
		job->cancelled = true;
	else if (extract_signals_arm(job->slot))
		job->ok = rfs_context_restore_at(x->ctx, job->info->id, job->dir->fd, name, job->partial,
						 &job->options, job_progress, job, &job->bad,
						 &job->target_errno, &job->error);
	extract_signals_disarm(job->slot);
	job->source_gone = !job->ok && g_error_matches(job->error, RFS_ERROR, RFS_ERROR_GONE);
	if (job->target_errno != 0 || job->source_gone)
		atomic_store(&x->stop, true);
	g_mutex_lock(&x->lock);
	job->done = true;
	g_cond_broadcast(&x->finished);
	g_mutex_unlock(&x->lock);
}

/* Prints the entry's messages and counts it; runs in selection order. */
static void retire(Extract *x, Job *job)
{
	x->sink = job->out;
	const RfsEntryInfo *info = job->info;
	if (job->source_gone) {
		/* only the first is reported: every later read fails alike */
		if (!x->result->source_gone && x->result->target_errno == 0) {
			x->result->source_gone = true;
			report(x, job->path, "the source stopped answering (%s); extraction stopped: "
			       "check its connection and run again", job->error->message);
		}
		x->result->not_written++;
	} else if (job->target_errno != 0 || job->cancelled) {
		/* only the first failed write to the target is reported: the rest fail alike */
		if (job->target_errno != 0 && x->result->target_errno == 0) {
			x->result->target_errno = job->target_errno;
			report(x, job->path, "cannot write to the target: %s; extraction stopped",
			       g_strerror(job->target_errno));
		}
		if (job->file)
			x->result->not_written++;
	} else if (info != NULL && !job->ok) {
		/* the partial file is gone already; no error only when a signal stopped it */
		report(x, job->path, "%s", job->error != NULL ? job->error->message : "interrupted");
		x->result->failures++;
	} else if (info != NULL) {
		x->result->files++;
		if (job->options.flags & RFS_RESTORE_REPLACE)
			x->result->replaced++;
		x->result->bytes += info->size_bytes;
		if (job->bad > 0) {
			report(x, job->path, "%" PRIu64 " of %" PRIu64 " bytes unreadable, zero-filled",
			       job->bad, info->size_bytes);
			x->result->damaged_files++;
			x->result->bad_bytes += job->bad;
		}
		note_state(x, job->path, info);
	}
	x->sink = NULL;
	if (job->out->len > 0) {
		if (x->progress != NULL && isatty(STDERR_FILENO))
			fputs("\r\033[K", stderr);
		fputs(job->out->str, stderr);
	}
	atomic_fetch_add(&x->done_bytes, job->size - MIN(job->size, job->progressed));
	progress_update(x->progress, atomic_load(&x->done_bytes));
	dir_handle_unref(job->dir);
	g_clear_error(&job->error);
	g_free(job->path);
	g_free(job->partial);
	g_string_free(job->out, TRUE);
}

/* Retires the oldest entry, waiting for its worker if `wait`; false if it is not done. */
static bool retire_oldest(Extract *x, bool wait)
{
	Job *job = &x->ring[x->head];
	g_mutex_lock(&x->lock);
	while (wait && !job->done) {
		g_cond_wait_until(&x->finished, &x->lock, g_get_monotonic_time() + G_TIME_SPAN_SECOND / 10);
		if (!job->done) {
			g_mutex_unlock(&x->lock);
			progress_update(x->progress, atomic_load(&x->done_bytes));
			g_mutex_lock(&x->lock);
		}
	}
	bool done = job->done;
	g_mutex_unlock(&x->lock);
	if (!done)
		return false;
	retire(x, job);
	x->head = (x->head + 1) % EXTRACT_WINDOW;
	x->count--;
	return true;
}

/* Prepares one selected entry in the next ring slot and hands a file to the workers. */
static void submit(Extract *x, const RfsEntryInfo *e)
{
	if (x->count == EXTRACT_WINDOW)
		(void)retire_oldest(x, true);
	unsigned slot = (x->head + x->count) % EXTRACT_WINDOW;
	Job *job = &x->ring[slot];
	*job = (Job){ .x = x, .slot = slot, .out = g_string_new(NULL) };
	x->count++;
	x->sink = job->out;
	uint64_t failures = x->result->failures;
	if (e->flags & RFS_ENTRY_DIRECTORY) {
		if (!x->opts->no_directories && ensure_dir(x, e->id, 0) == NULL)
			x->result->failures++;
	} else {
		job->file = true;
		job->size = e->size_bytes;
		prepare_file(x, job, e);
	}
	if (x->pending_errno != 0) {
		/* a directory on the way could not be created: the target failed */
		x->result->failures = failures;
		job->target_errno = x->pending_errno;
		g_free(job->path);
		job->path = g_steal_pointer(&x->pending_path);
		x->pending_errno = 0;
		atomic_store(&x->stop, true);
	}
	x->sink = NULL;
	if (job->info != NULL) {
		g_thread_pool_push(x->pool, job, NULL);
	} else {
		g_mutex_lock(&x->lock);
		job->done = true;
		g_mutex_unlock(&x->lock);
	}
	while (x->count > 0 && retire_oldest(x, false))
		;
}

/* The workers, started with SIGINT and SIGTERM blocked so that they keep them blocked. */
static GThreadPool *workers_new(void)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int n = (int)MIN((guint)EXTRACT_WORKERS, MAX(g_get_num_processors(), 1u));
	GThreadPool *pool = g_thread_pool_new(write_file, NULL, n, TRUE, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pool;
}

/* Directory times last: writing their content would have changed them. */
static void set_dir_times(Extract *x)
{
	for (guint i = x->created->len; i-- > 0;) {
		const CreatedDir *c = &g_array_index(x->created, CreatedDir, i);
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
		const int64_t ft[2] = { c->info->times.last_access, c->info->times.last_write };
		for (int k = 0; k < 2; k++) {
			if (ft[k] == 0)
				continue;
			int64_t sec;
			long nsec;
			rfs_filetime_to_timespec(ft[k], &sec, &nsec);
			ts[k].tv_sec = (time_t)sec;
			ts[k].tv_nsec = nsec;
		}
		/* after a failed write to the target, that one message says it all */
		if (utimensat(AT_FDCWD, c->path, ts, AT_SYMLINK_NOFOLLOW) != 0 && x->result->target_errno == 0)
			report(x, c->path, "cannot set times: %s", g_strerror(errno));
	}
}

bool extract_run(RfsContext *ctx, const GPtrArray *selected, const char *dest_dir,
		 const ExtractOptions *opts, ExtractResult *result, GError **error)
{
	*result = (ExtractResult){ 0 };
	if (!extract_check_dest(dest_dir, opts->merge, error) ||
	    !extract_target_check_space(ctx, selected, dest_dir, opts, error) || !prepare_dest(dest_dir, error))
		return false;
	uint64_t total = 0;
	for (guint i = 0; i < selected->len; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(selected, i);
		if (extract_target_writes(e, opts))
			total += e->size_bytes;
	}
	Extract *x = g_new0(Extract, 1);
	x->ctx = ctx;
	x->dest_dir = dest_dir;
	x->opts = opts;
	x->result = result;
	x->dirs = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
	x->used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	x->created = g_array_new(FALSE, FALSE, sizeof(CreatedDir));
	x->progress = opts->quiet ? NULL : progress_new("extracting", total, PROGRESS_BYTES, NULL);
	g_mutex_init(&x->lock);
	g_cond_init(&x->finished);
	ExtractSignals guard;
	extract_signals_install(&guard, x->progress != NULL);
	x->pool = workers_new();
	for (guint i = 0; i < selected->len; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(selected, i);
		if (atomic_load(&x->stop)) {
			result->not_written += extract_target_writes(e, opts);
			continue;
		}
		if ((e->flags & RFS_ENTRY_GHOST) && !(e->flags & RFS_ENTRY_DIRECTORY)) {
			result->ghosts++; /* a name without data: nothing is written */
			continue;
		}
		if (opts->no_streams && (e->flags & RFS_ENTRY_STREAM)) {
			result->streams_left_out++;
			continue;
		}
		submit(x, e);
	}
	while (x->count > 0)
		(void)retire_oldest(x, true);
	g_thread_pool_free(x->pool, FALSE, TRUE);
	extract_signals_restore(&guard);
	dir_handle_unref(x->dir);
	set_dir_times(x);
	progress_free(x->progress);
	g_array_free(x->created, TRUE);
	g_hash_table_destroy(x->dirs);
	g_hash_table_destroy(x->used);
	g_free(x->pending_path);
	g_mutex_clear(&x->lock);
	g_cond_clear(&x->finished);
	g_free(x);
	return true;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

char *extract_summary(const ExtractResult *r, const char *dest_dir)
{
	char bytes[LIST_FORMAT_SIZE_SIZE];
	list_format_human_size(r->bytes, bytes);
	GString *out = g_string_new(NULL);
	g_string_append_printf(out, "extracted %" PRIu64 " %s (%s) and %" PRIu64 " %s to %s; %" PRIu64 " %s",
			       r->files, plural(r->files, "file", "files"), bytes, r->directories,
			       plural(r->directories, "directory", "directories"), dest_dir, r->failures,
			       plural(r->failures, "failure", "failures"));
	if (r->skipped > 0)
		g_string_append_printf(out, "; %" PRIu64 " already there, skipped", r->skipped);
	if (r->ghosts > 0)
		g_string_append_printf(out, "; %" PRIu64 " %s not written (names only, no data)", r->ghosts,
				       plural(r->ghosts, "ghost", "ghosts"));
	if (r->streams_left_out > 0)
		g_string_append_printf(out, "; %" PRIu64 " %s left out (--no-streams)", r->streams_left_out,
				       plural(r->streams_left_out, "stream", "streams"));
	if (r->target_errno != 0)
		g_string_append_printf(out, "; stopped, the target could not be written (%s): %" PRIu64 " %s not extracted",
				       g_strerror(r->target_errno), r->not_written,
				       plural(r->not_written, "file", "files"));
	else if (r->source_gone)
		g_string_append_printf(out, "; stopped, the source stopped answering: %" PRIu64 " %s not extracted",
				       r->not_written, plural(r->not_written, "file", "files"));
	if (r->replaced > 0)
		g_string_append_printf(out, "; %" PRIu64 " different ones replaced", r->replaced);
	if (r->bad_bytes > 0)
		g_string_append_printf(out, "; %" PRIu64 " bytes unreadable in %" PRIu64 " %s", r->bad_bytes,
				       r->damaged_files, plural(r->damaged_files, "file", "files"));
	g_string_append(out, "; contents: ");
	entry_text_state_counts(out, r->by_state);
	return g_string_free(out, FALSE);
}

uint64_t extract_result_not_intact(const ExtractResult *r)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < RFS_STATE_COUNT; i++) {
		if (i != RFS_STATE_INTACT)
			n += r->by_state[i];
	}
	return n;
}
