/* The restorefs daemon: parse the command line, build the restore context and scan it while
 * still attached to the terminal, then mount, daemonize and serve until unmounted. Any failure
 * before the mount is one line on stderr and a non-zero exit; nothing is ever mounted then. */
#define G_LOG_DOMAIN "restorefs-fuse"

#include "daemon.h"
#include "mount_options.h"

#include "common_opts.h"
#include "entry_text.h"
#include "filters.h"
#include "frontend_log.h"
#include "progress.h"
#include "source_guide.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	ATTR_TIMEOUT_SECONDS = 86400, /* the index never changes while mounted */
	PREFERRED_IO_BYTES = 1 << 20, /* st_blksize: cp and rsync size their reads by it */
};

static void print_error(const char *source, const GError *error)
{
	g_autofree char *text = frontend_log_error_text(source, error);
	fprintf(stderr, "restorefs: %s\n", text);
}

static void print_summary(const MountOptions *opts, const RfsContext *ctx)
{
	const RfsScanStats *s = rfs_context_stats(ctx);
	char bytes[ENTRY_TEXT_SIZE_SIZE];
	entry_text_size(s->deleted_bytes, bytes); /* as restorefs-scan prints sizes */
	g_autoptr(GString) line = g_string_new(NULL);
	g_string_append_printf(line, "restorefs: %s: ", opts->source);
	entry_text_count(line, s->deleted_files, "deleted file", "deleted files");
	g_string_append_printf(line, " (%s), ", bytes);
	entry_text_count(line, s->deleted_dirs, "directory", "directories");
	g_string_append(line, ", ");
	entry_text_count(line, s->deleted_streams, "stream", "streams");
	g_string_append(line, ", ");
	entry_text_count(line, s->orphans, "orphan", "orphans");
	g_string_append(line, " in lost+found; contents: ");
	entry_text_state_counts(line, s->by_state);
	g_string_append(line, "; ");
	entry_text_count(line, s->records_total, "MFT record", "MFT records");
	g_string_append(line, " scanned");
	if (s->records_damaged > 0)
		g_string_append_printf(line, ", %" PRIu64 " damaged", s->records_damaged);
	if (opts->common.filters.include_live) {
		g_string_append(line, ", ");
		entry_text_count(line, s->live_files, "live file", "live files");
		g_string_append(line, " shown");
	}
	if (s->ghosts > 0)
		g_string_append_printf(line, ", %" PRIu64 " ghosts (names only) %s", s->ghosts,
				       opts->show_ghosts ? "shown" : "hidden (-o ghosts shows them)");
	if (rfs_context_snapshot_count(ctx) > 0)
		g_string_append_printf(line, "; %zu shadow copies add %" PRIu64 " files",
				       rfs_context_snapshot_count(ctx), s->snapshot_files);
	fprintf(stderr, "%s\n", line->str);
}

static RfsContext *open_and_scan(const MountOptions *opts, GError **error)
{
	g_autofree char *mountpoint = opts->mountpoint != NULL ? source_guide_shell_word(opts->mountpoint) : NULL;
	g_autofree char *after = g_strconcat(" ", mountpoint != NULL ? mountpoint : "MOUNTPOINT", NULL);
	const SourceGuide guide = { .program = "restorefs", .args_after = after };
	RfsLocation location = opts->common.location;
	g_autoptr(RfsContext) ctx = source_guide_open(&guide, opts->source, &location, error);
	if (ctx == NULL)
		return NULL;
	source_guide_check_secrets(opts->source, ctx, common_opts_secret_given(&opts->common.secrets));
	/* asks on the terminal when no secret is named: we are not yet a daemon */
	if (!common_opts_unlock(ctx, opts->source, &opts->common.secrets, true, error))
		return NULL;
	ScanProgress progress;
	scan_progress_init(&progress, ctx, !opts->common.quiet);
	bool ok = rfs_context_scan(ctx, opts->common.scan_flags, scan_progress_callback, &progress, error);
	scan_progress_clear(&progress);
	if (!ok)
		return NULL;
	if (!opts->common.quiet)
		print_summary(opts, ctx);
	return g_steal_pointer(&ctx);
}

static int serve(struct fuse_session *se, const MountOptions *opts)
{
	if (opts->singlethread)
		return fuse_session_loop(se);
	struct fuse_loop_config *config = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(config, opts->clone_fd);
	/* UINT_MAX: not given. libfuse 3.14.0 complains about it instead of keeping its default */
	if (opts->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(config, opts->max_idle_threads);
	if (opts->max_threads != 0 && opts->max_threads != UINT_MAX)
		fuse_loop_cfg_set_max_threads(config, opts->max_threads);
	int ret = fuse_session_loop_mt(se, config);
	fuse_loop_cfg_destroy(config);
	return ret;
}

/* The kernel caps a FUSE mount's readahead at 128 KiB whatever the daemon asks for; the
 * mount's backing-device setting lifts it, so sequential copies get 1 MiB requests. The
 * device number comes from mountinfo: a stat() of the mount point would wait for this very
 * daemon, which serves nothing yet. Best effort: it needs root, and reads work without it. */
static void raise_readahead(const char *mountpoint)
{
	g_autofree char *real = realpath(mountpoint, NULL);
	g_autofree char *info = NULL;
	if (real == NULL || !g_file_get_contents("/proc/self/mountinfo", &info, NULL, NULL))
		return;
	g_auto(GStrv) lines = g_strsplit(info, "\n", -1);
	unsigned maj = 0, min = 0;
	bool found = false;
	for (char **l = lines; *l != NULL; l++) { /* the last match is the newest mount */
		g_auto(GStrv) f = g_strsplit(*l, " ", 6);
		if (g_strv_length(f) >= 5 && strcmp(f[4], real) == 0 && strstr(*l, " - fuse") != NULL)
			found = sscanf(f[2], "%u:%u", &maj, &min) == 2;
	}
	if (!found)
		return;
	g_autofree char *path = g_strdup_printf("/sys/class/bdi/%u:%u/read_ahead_kb", maj, min);
	int fd = open(path, O_WRONLY | O_CLOEXEC); /* sysfs: write in place, no temporary file */
	if (fd < 0 || write(fd, "1024", 4) != 4)
		g_debug("cannot raise readahead through %s", path);
	if (fd >= 0)
		close(fd);
}

static int run(MountOptions *opts, FrontendLog *log)
{
	Daemon daemon = {
		.uid = opts->uid,
		.gid = opts->gid,
		.umask = opts->umask,
		.show_live = opts->common.filters.include_live,
		.show_ghosts = opts->show_ghosts,
		.want_splice = opts->splice,
		.direct_io = opts->direct_io,
		.stream_options = opts->common.stream,
		.timeout_seconds = ATTR_TIMEOUT_SECONDS,
		.blksize = PREFERRED_IO_BYTES,
	};
	/* The session first: it rejects unknown FUSE options before a long scan, not after. */
	struct fuse_session *se = fuse_session_new(&opts->fuse_args, &ops_table, sizeof ops_table, &daemon);
	if (se == NULL)
		return 1; /* libfuse has said which option it did not know */

	int status = 1;
	g_autoptr(GError) error = NULL;
	daemon.ctx = open_and_scan(opts, &error);
	if (daemon.ctx == NULL) {
		print_error(opts->source, error);
		goto out;
	}
	/* the selection is made once: the index never changes while mounted */
	if (filters_active(&opts->common.filters))
		daemon.visible = filters_visible_set(daemon.ctx, &opts->common.filters);
	ops_count_subdirs(&daemon);
	daemon.streams = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_mutex_init(&daemon.streams_lock);
	if (fuse_set_signal_handlers(se) != 0) {
		fprintf(stderr, "restorefs: cannot install signal handlers\n");
		goto out;
	}
	if (fuse_session_mount(se, opts->mountpoint) != 0) {
		fprintf(stderr, "restorefs: cannot mount on %s\n", opts->mountpoint);
		goto out_signals;
	}
	raise_readahead(opts->mountpoint);
	if (fuse_daemonize(opts->foreground) != 0) {
		fprintf(stderr, "restorefs: cannot daemonize\n");
		goto out_unmount;
	}
	if (!opts->foreground) /* stderr is /dev/null now */
		frontend_log_use_syslog(log);
	status = serve(se, opts) < 0 ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out:
	fuse_session_destroy(se);
	if (daemon.subdirs != NULL)
		g_hash_table_destroy(daemon.subdirs);
	if (daemon.visible != NULL)
		g_hash_table_destroy(daemon.visible);
	/* The loop has joined its workers (libfuse lets them be cancelled only while they
	 * wait for a request), so no handler holds a stream any more. */
	if (daemon.streams != NULL) {
		guint left = ops_close_streams(&daemon);
		if (left > 0)
			g_debug("closed %u files still open at the unmount", left);
		g_mutex_clear(&daemon.streams_lock);
	}
	if (daemon.ctx != NULL)
		rfs_context_free(daemon.ctx);
	return status;
}

int main(int argc, char **argv)
{
	g_set_prgname("restorefs");
	MountOptions opts;
	g_autofree char *message = NULL;
	if (!mount_options_parse(&opts, argc, argv, &message)) {
		fprintf(stderr, "restorefs: %s\n", message);
		mount_options_clear(&opts);
		return 1;
	}
	int status = 0;
	if (opts.show_help) {
		mount_options_print_help("restorefs");
	} else if (opts.show_version) {
		printf("restorefs %s (restore API %u, libfuse %s)\n", RESTOREFS_VERSION,
		       RESTOREFS_API_VERSION, fuse_pkgversion());
	} else {
		if (opts.debug && g_getenv("G_MESSAGES_DEBUG") == NULL)
			g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
		static FrontendLog log = { .program = "restorefs" };
		frontend_log_install(&log);
		status = run(&opts, &log);
	}
	mount_options_clear(&opts);
	return status;
}
