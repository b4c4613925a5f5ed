/* The --extract tree writer. It owns the destination directory layout and directory times,
 * the partial names files are written under, and what SIGINT and SIGTERM do meanwhile; file
 * data and file times are rfs_context_restore()'s. It refuses names that would leave the
 * destination ("", ".", "..") and never follows a symlink it did not create. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "extract.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "list_format.h"

#include "progress.h"

typedef struct {
	uint64_t base;   /* bytes of the files before this one */
	Progress *progress;
} ProgressBase;

typedef struct {
	char *path;
	const RfsEntryInfo *info;
} CreatedDir;

typedef struct {
	RfsContext *ctx;
	const char *dest_dir;
	const ExtractOptions *opts;
	ExtractResult *result;
	GHashTable *dirs;     /* &info->id -> destination path of a directory known to exist */
	GArray *created;      /* CreatedDir, in creation order                              */
	ProgressBase pb;
} Extract;

/* One line per problem on stderr; a progress bar being drawn is wiped first and redraws
 * itself at its next update. */
static void report(const Extract *x, const char *path, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void report(const Extract *x, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (x->pb.progress != NULL && isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	g_autoptr(GString) line = g_string_new("restorefs-scan: ");
	entry_text_escape(line, path); /* names come from the disk */
	g_string_append(line, ": ");
	entry_text_escape(line, msg);
	fprintf(stderr, "%s\n", line->str);
}

/* ---- interruption ------------------------------------------------------------------------- */

/* The partial file being written, for the signal handler: `armed` says the path is whole. */
static char signal_partial_path[PATH_MAX];
static volatile sig_atomic_t signal_armed;
static volatile sig_atomic_t signal_on_terminal; /* a progress bar may be half drawn */

static void on_signal(int signo)
{
	static const char msg[] = "restorefs-scan: interrupted; the file being written was removed\n";
	if (signal_armed)
		(void)unlink(signal_partial_path);
	if (signal_on_terminal)
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(EXTRACT_EXIT_SIGNAL_BASE + signo);
}

static void arm_signal(const char *partial_path)
{
	signal_armed = 0;
	atomic_signal_fence(memory_order_seq_cst);
	if (strlen(partial_path) >= sizeof signal_partial_path)
		return; /* longer than any path open() takes: nothing will be created */
	strcpy(signal_partial_path, partial_path);
	atomic_signal_fence(memory_order_seq_cst);
	signal_armed = 1;
}

static void disarm_signal(void)
{
	signal_armed = 0;
	atomic_signal_fence(memory_order_seq_cst);
}

typedef struct {
	struct sigaction old_int, old_term;
} SignalGuard;

static void signals_install(SignalGuard *g, bool progress)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	signal_on_terminal = progress && isatty(STDERR_FILENO);
	disarm_signal();
	sigaction(SIGINT, &sa, &g->old_int);
	sigaction(SIGTERM, &sa, &g->old_term);
}

static void signals_restore(const SignalGuard *g)
{
	sigaction(SIGINT, &g->old_int, NULL);
	sigaction(SIGTERM, &g->old_term, NULL);
	disarm_signal();
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
			return true;
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
	return true;
}

static bool prepare_dest(const char *dest_dir, bool merge, GError **error)
{
	if (!extract_check_dest(dest_dir, merge, error))
		return false;
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

static char *dest_path_of(const Extract *x, RfsEntryId id)
{
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
	} else {
		/* An existing symlink (or file) is never followed or replaced. */
		report(x, path, "cannot create directory: %s", errno == EEXIST ? "exists and is not a directory"
									    : g_strerror(errno));
		g_free(path);
		return NULL;
	}
	g_hash_table_insert(x->dirs, (gpointer)&info->id, path);
	return path;
}

static void progress_with_base(uint64_t done, uint64_t total, void *user_data)
{
	ProgressBase *pb = user_data;
	progress_update(pb->progress, pb->base + done);
}

/* ".NAME.restorefs-partial" beside `path`, or ".NAME.N.restorefs-partial" when that
 * exists; NAME is shortened (at a UTF-8 boundary) to keep within NAME_MAX. NULL if none is
 * free. The file is then created with O_EXCL, so an existing file is never touched. */
static char *partial_path_of(const char *path)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	for (unsigned k = 1; k <= 100; k++) {
		char tag[32];
		if (k == 1)
			g_snprintf(tag, sizeof tag, ".restorefs-partial");
		else
			g_snprintf(tag, sizeof tag, ".%u.restorefs-partial", k);
		size_t keep = MIN(strlen(base), NAME_MAX - 1 - strlen(tag));
		while (keep > 0 && ((uint8_t)base[keep] & 0xC0) == 0x80)
			keep--;
		char *candidate = g_strdup_printf("%s/.%.*s%s", dir, (int)keep, base, tag);
		struct stat st;
		if (lstat(candidate, &st) != 0 && errno == ENOENT)
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
static bool may_write(Extract *x, const char *path, const RfsEntryInfo *info, uint32_t *flags)
{
	struct stat st;
	*flags = RFS_RESTORE_DEFAULT;
	if (lstat(path, &st) != 0)
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

static void extract_file(Extract *x, const RfsEntryInfo *info)
{
	if (ensure_dir(x, info->parent_id, 0) == NULL) {
		x->result->failures++;
		return;
	}
	g_autofree char *path = dest_path_of(x, info->id);
	if (path == NULL) {
		report(x, x->dest_dir, "entry %" PRIu64 ": unsafe name, skipped", (uint64_t)info->id);
		x->result->failures++;
		return;
	}
	RfsRestoreOptions options = { .stream = x->opts->stream };
	if (!may_write(x, path, info, &options.flags))
		return;
	g_autofree char *partial = partial_path_of(path);
	if (partial == NULL) {
		report(x, path, "no free name for the partial copy beside it");
		x->result->failures++;
		return;
	}
	g_autoptr(GError) error = NULL;
	uint64_t bad = 0;
	arm_signal(partial);
	bool ok = rfs_context_restore(x->ctx, info->id, path, partial, &options, progress_with_base,
				      &x->pb, &bad, &error);
	disarm_signal();
	if (!ok) {
		report(x, path, "%s", error->message); /* the partial file is gone already */
		x->result->failures++;
		return;
	}
	x->result->files++;
	if (options.flags & RFS_RESTORE_REPLACE)
		x->result->replaced++;
	x->result->bytes += info->size_bytes;
	if (bad > 0) {
		report(x, path, "%" PRIu64 " of %" PRIu64 " bytes unreadable, zero-filled", bad,
		       info->size_bytes);
		x->result->damaged_files++;
		x->result->bad_bytes += bad;
	}
	note_state(x, path, info);
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
		if (utimensat(AT_FDCWD, c->path, ts, AT_SYMLINK_NOFOLLOW) != 0)
			report(x, c->path, "cannot set times: %s", g_strerror(errno));
	}
}

bool extract_run(RfsContext *ctx, const GPtrArray *selected, const char *dest_dir,
		 const ExtractOptions *opts, ExtractResult *result, GError **error)
{
	*result = (ExtractResult){ 0 };
	if (!prepare_dest(dest_dir, opts->merge, error))
		return false;
	uint64_t total = 0;
	for (guint i = 0; i < selected->len; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(selected, i);
		if (!(e->flags & (RFS_ENTRY_DIRECTORY | RFS_ENTRY_GHOST)))
			total += e->size_bytes;
	}
	Extract x = {
		.ctx = ctx,
		.dest_dir = dest_dir,
		.opts = opts,
		.result = result,
		.dirs = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free),
		.created = g_array_new(FALSE, FALSE, sizeof(CreatedDir)),
		.pb = { .progress = opts->quiet ? NULL
						: progress_new("extracting", total, PROGRESS_BYTES, NULL) },
	};
	SignalGuard guard;
	signals_install(&guard, x.pb.progress != NULL);
	for (guint i = 0; i < selected->len; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(selected, i);
		if (e->flags & RFS_ENTRY_DIRECTORY) {
			if (!opts->no_directories && ensure_dir(&x, e->id, 0) == NULL)
				result->failures++;
			continue;
		}
		if (e->flags & RFS_ENTRY_GHOST) { /* a name without data: nothing is written */
			result->ghosts++;
			continue;
		}
		extract_file(&x, e);
		x.pb.base += e->size_bytes;
		progress_update(x.pb.progress, x.pb.base);
	}
	signals_restore(&guard);
	set_dir_times(&x);
	progress_free(x.pb.progress);
	g_array_free(x.created, TRUE);
	g_hash_table_destroy(x.dirs);
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
