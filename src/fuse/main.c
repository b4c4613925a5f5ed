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
	g_autofree char *bytes = g_format_size(s->deleted_bytes);
	g_autoptr(GString) states = g_string_new(NULL);
	entry_text_state_counts(states, s->by_state);
	fprintf(stderr,
		"restorefs: %s: %" PRIu64 " deleted files (%s), %" PRIu64 " directories, %" PRIu64
		" streams, %" PRIu64 " orphans in lost+found; contents: %s; %" PRIu64 " MFT records scanned",
		opts->source, s->deleted_files, bytes, s->deleted_dirs, s->deleted_streams, s->orphans,
		states->str, s->records_total);
	if (s->records_damaged > 0)
		fprintf(stderr, ", %" PRIu64 " damaged", s->records_damaged);
	if (opts->common.filters.include_live)
		fprintf(stderr, ", %" PRIu64 " live files shown", s->live_files);
	fputc('\n', stderr);
}

static RfsContext *open_and_scan(const MountOptions *opts, GError **error)
{
	g_autoptr(RfsContext) ctx = rfs_context_create(opts->source, &opts->common.location,
						      RESTOREFS_API_VERSION, error);
	/* asks on the terminal when no secret is named: we are not yet a daemon */
	if (ctx == NULL) {
		common_opts_location_hint(error != NULL ? *error : NULL, &opts->common.location);
		return NULL;
	}
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
	/* A signal can end the loop while files are open and their streams still in use;
	 * the process is exiting, so leave those to it rather than free under them. */
	if (daemon.ctx != NULL && g_atomic_int_get(&daemon.open_streams) == 0)
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
