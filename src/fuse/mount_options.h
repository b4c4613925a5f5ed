/* The restorefs command line: `restorefs [options] SOURCE MOUNTPOINT`, in FUSE conventions
 * (`-f`, `-d`, `-s`, `-o opt,opt`) and as mount.fuse3 runs it (`SOURCE DIR -o opts`). */
#pragma once

#include "daemon.h"

#include "option_settings.h"

typedef struct {
	char *source;
	char *mountpoint;
	bool show_help;
	bool show_version;
	bool foreground;
	bool debug;
	bool singlethread;
	bool clone_fd;
	unsigned max_idle_threads;
	unsigned max_threads;

	uid_t uid;                 /* -o uid=, -o gid=, -o umask= */
	gid_t gid;
	mode_t umask;
	bool show_ghosts;          /* -o ghosts: show RFS_ENTRY_GHOST entries (no data) */
	bool splice;               /* -o splice: reads of plain extents spliced from SOURCE */
	bool direct_io;            /* -o direct_io: files opened without the page cache */
	/* what both programs take: the selection, scan flags (--live, --deep), stream options,
	 * location, and where BitLocker secrets come from (never the secrets themselves) */
	OptionSettings common;

	/* what remains for fuse_session_new(): "-o ro,default_permissions,fsname=..." and the
	 * standard FUSE options the user gave */
	struct fuse_args fuse_args;
} MountOptions;

/* Parses argv. On false, *message says what is wrong (g_free). -h and -V only set
 * show_help / show_version; the caller prints. */
bool mount_options_parse(MountOptions *opts, int argc, char **argv, char **message);
void mount_options_clear(MountOptions *opts);
void mount_options_print_help(const char *program);
