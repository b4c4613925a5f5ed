/* Command-line parsing for the daemon: our options are taken out of argv, the standard FUSE
 * ones are left for libfuse, and "-o ro,default_permissions,fsname=SOURCE,subtype=restorefs"
 * is added so that every mount is read-only whatever the caller asked. */
#define G_LOG_DOMAIN "restorefs-fuse"

#include "mount_options.h"

#include "entry_text.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Option values as fuse_opt_parse() leaves them: strings, converted and checked afterwards.
 * The volume location and the BitLocker secrets land in the structs restorefs-scan's GOption
 * entries fill, so one parser (frontend/common_opts.c) checks both programs' values. */
typedef struct {
	char *uid, *gid, *umask, *overwritten, *unreadable, *min_recoverable;
	char *deleted_after, *deleted_before;
	char *snapshots;
	CommonOptsLocationArgs location;
	CommonOptsSecretArgs secrets;
	int show_live, ghosts, splice, deep, deep_all, rw, help, version;
	char *source, *mountpoint;
	char *error;
} RawOptions;

enum { KEY_DISCARD, KEY_RW, KEY_HELP, KEY_VERSION };

#define VALUE(templ, field) { templ, offsetof(RawOptions, field), 0 }
/* -o name=V and --long-name V; `conv` is the fuse_opt conversion (%s, %d). --long-name=V is
 * split in two before parsing (split_long_options): fuse_opt would match "--long-name=V"
 * against the "--long-name %s" template too, with "=V" as the value. */
#define LONG_VALUE(opt, longopt, conv, field) VALUE(opt "=" conv, field), VALUE(longopt " " conv, field)
#define LOCATION(opt, longopt, field) LONG_VALUE(opt, longopt, "%s", location.field)
#define SECRET(opt, longopt, field) LONG_VALUE(opt, longopt, "%s", secrets.field)

static const struct fuse_opt templates[] = {
	VALUE("uid=%s", uid),
	VALUE("gid=%s", gid),
	VALUE("umask=%s", umask),
	VALUE("overwritten=%s", overwritten),
	VALUE("unreadable=%s", unreadable),
	VALUE("min_recoverable=%s", min_recoverable),
	LONG_VALUE("deleted_after", "--deleted-after", "%s", deleted_after),
	LONG_VALUE("deleted_before", "--deleted-before", "%s", deleted_before),
	VALUE("snapshots=%s", snapshots),
	{ "show_live", offsetof(RawOptions, show_live), 1 },
	{ "ghosts", offsetof(RawOptions, ghosts), 1 },
	{ "--ghosts", offsetof(RawOptions, ghosts), 1 },
	{ "splice", offsetof(RawOptions, splice), 1 },
	{ "--splice", offsetof(RawOptions, splice), 1 },
	{ "deep", offsetof(RawOptions, deep), 1 },
	{ "--deep", offsetof(RawOptions, deep), 1 },
	{ "deep=all", offsetof(RawOptions, deep_all), 1 },
	{ "--deep=all", offsetof(RawOptions, deep_all), 1 },
	{ "force", offsetof(RawOptions, location.force), 1 },
	{ "--force", offsetof(RawOptions, location.force), 1 },
	LOCATION("start_sector", "--start-sector", start_sector),
	LOCATION("boot_sector", "--boot-sector", boot_sector),
	LOCATION("sector_size", "--sector-size", sector_size),
	LOCATION("offset", "--offset", offset),
	LOCATION("partition", "--partition", partition),
	LOCATION("bitlocker", "--bitlocker", bitlocker),
	SECRET("password_file", "--password-file", password_file),
	SECRET("recovery_password_file", "--recovery-password-file", recovery_password_file),
	SECRET("startup_key", "--startup-key", startup_key),
	SECRET("key_file", "--key-file", key_file),
	LONG_VALUE("password_fd", "--password-fd", "%d", secrets.password_fd),
	FUSE_OPT_KEY("rw", KEY_RW),
	/* always added by us, or mount(8) and fstab words that mean nothing to FUSE */
	FUSE_OPT_KEY("ro", KEY_DISCARD),
	FUSE_OPT_KEY("defaults", KEY_DISCARD),
	FUSE_OPT_KEY("auto", KEY_DISCARD),
	FUSE_OPT_KEY("noauto", KEY_DISCARD),
	FUSE_OPT_KEY("user", KEY_DISCARD),
	FUSE_OPT_KEY("nouser", KEY_DISCARD),
	FUSE_OPT_KEY("users", KEY_DISCARD),
	FUSE_OPT_KEY("nofail", KEY_DISCARD),
	FUSE_OPT_KEY("_netdev", KEY_DISCARD),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END,
};

static int option_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	RawOptions *raw = data;
	switch (key) {
	case KEY_DISCARD:
		return 0;
	case KEY_RW:
		raw->rw = 1;
		return 0;
	case KEY_HELP:
		raw->help = 1;
		return 0;
	case KEY_VERSION:
		raw->version = 1;
		return 0;
	case FUSE_OPT_KEY_NONOPT:
		if (raw->source == NULL) {
			raw->source = g_strdup(arg);
			return 0;
		}
		if (raw->mountpoint == NULL) {
			raw->mountpoint = g_strdup(arg);
			return 1; /* fuse_parse_cmdline() takes it from here */
		}
		if (raw->error == NULL)
			raw->error = g_strdup_printf("unexpected argument '%s' (usage: restorefs [options] SOURCE MOUNTPOINT)", arg);
		return -1;
	default:
		if (g_str_has_prefix(arg, "x-")) /* fstab comments for other tools */
			return 0;
		return 1;
	}
}

static bool parse_u64(const char *what, const char *text, uint64_t max, uint64_t *out, char **message)
{
	g_autoptr(GError) error = NULL;
	guint64 value = 0;
	if (!g_ascii_string_to_unsigned(text, 10, 0, max, &value, &error)) {
		*message = g_strdup_printf("%s: %s", what, error->message);
		return false;
	}
	*out = value;
	return true;
}

static bool parse_id(const char *what, const char *text, bool group, uint32_t *out, char **message)
{
	uint64_t value = 0;
	g_autofree char *ignored = NULL;
	if (parse_u64(what, text, UINT32_MAX - 1, &value, &ignored)) {
		*out = (uint32_t)value;
		return true;
	}
	if (group) {
		struct group *gr = getgrnam(text);
		if (gr != NULL) {
			*out = gr->gr_gid;
			return true;
		}
	} else {
		struct passwd *pw = getpwnam(text);
		if (pw != NULL) {
			*out = pw->pw_uid;
			return true;
		}
	}
	*message = g_strdup_printf("%s=%s: no such %s", what, text, group ? "group" : "user");
	return false;
}

static bool convert_presentation(const RawOptions *raw, MountOptions *opts, char **message)
{
	opts->uid = getuid();
	opts->gid = getgid();
	uint32_t id = 0;
	if (raw->uid != NULL) {
		if (!parse_id("uid", raw->uid, false, &id, message))
			return false;
		opts->uid = id;
	}
	if (raw->gid != NULL) {
		if (!parse_id("gid", raw->gid, true, &id, message))
			return false;
		opts->gid = id;
	}
	if (raw->umask != NULL) {
		guint64 mask = 0;
		if (!g_ascii_string_to_unsigned(raw->umask, 8, 0, 0777, &mask, NULL)) {
			*message = g_strdup_printf("umask=%s: expected an octal mask such as 022", raw->umask);
			return false;
		}
		opts->umask = (mode_t)mask;
	}
	opts->stream = (RfsStreamOptions){ .overwritten = RFS_OVERWRITTEN_RAW, .unreadable = RFS_UNREADABLE_ZERO };
	g_autoptr(GError) error = NULL;
	if (raw->overwritten != NULL &&
	    !common_opts_parse_overwritten(raw->overwritten, &opts->stream.overwritten, &error)) {
		*message = g_strdup_printf("-o overwritten: %s", error->message);
		return false;
	}
	if (raw->unreadable != NULL && strcmp(raw->unreadable, "eio") == 0) {
		opts->stream.unreadable = RFS_UNREADABLE_EIO;
	} else if (raw->unreadable != NULL && strcmp(raw->unreadable, "zero") != 0) {
		*message = g_strdup_printf("-o unreadable: '%s' is not zero or eio", raw->unreadable);
		return false;
	}
	opts->min_recoverable = 0;
	if (raw->min_recoverable != NULL &&
	    !common_opts_parse_percent(raw->min_recoverable, &opts->min_recoverable, &error)) {
		*message = g_strdup_printf("-o min_recoverable: %s", error->message);
		return false;
	}
	if (raw->deleted_after != NULL && !entry_text_parse_time(raw->deleted_after, &opts->deleted_after)) {
		*message = g_strdup_printf("deleted_after: '%s' is not an ISO 8601 time or date", raw->deleted_after);
		return false;
	}
	if (raw->deleted_before != NULL && !entry_text_parse_time(raw->deleted_before, &opts->deleted_before)) {
		*message = g_strdup_printf("deleted_before: '%s' is not an ISO 8601 time or date", raw->deleted_before);
		return false;
	}
	if (opts->deleted_before != 0 && opts->deleted_after >= opts->deleted_before) {
		*message = g_strdup("deleted_after is not before deleted_before");
		return false;
	}
	opts->show_live = raw->show_live != 0;
	opts->show_ghosts = raw->ghosts != 0;
	opts->splice = raw->splice != 0;
	opts->deep = raw->deep != 0 || raw->deep_all != 0;
	opts->deep_all = raw->deep_all != 0;
	opts->snapshots = true;
	if (raw->snapshots != NULL && !common_opts_parse_snapshots(raw->snapshots, &opts->snapshots, &error)) {
		*message = g_strdup_printf("-o snapshots: %s", error->message);
		return false;
	}
	return true;
}

static bool convert_location(const RawOptions *raw, RfsLocation *loc, char **message)
{
	g_autoptr(GError) error = NULL;
	if (!common_opts_location_resolve(&raw->location, loc, &error)) {
		*message = g_strdup(error->message);
		return false;
	}
	return true;
}

/* mount(8) puts "rw" in front of the options unless told "ro", and so does an fstab line
 * with "defaults". Through the mount helper that "rw" is the default, not a request.
 * mount.fuse3 execs /bin/sh, which execs us, so our parent is mount(8) itself. */
static bool started_by_mount_helper(void)
{
	pid_t pid = getppid();
	for (int depth = 0; depth < 3 && pid > 1; depth++) {
		g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
		g_autofree char *stat = NULL;
		if (!g_file_get_contents(path, &stat, NULL, NULL))
			return false;
		const char *open = strchr(stat, '(');
		const char *close = strrchr(stat, ')');
		if (open == NULL || close == NULL || close < open)
			return false;
		if (g_str_has_prefix(open + 1, "mount.fuse") || g_str_has_prefix(open + 1, "mount)"))
			return true;
		int ppid = 0;
		if (sscanf(close + 1, " %*c %d", &ppid) != 1)
			return false;
		pid = ppid;
	}
	return false;
}

static bool check_mountpoint(const char *mountpoint, char **message)
{
	struct stat st;
	if (stat(mountpoint, &st) != 0) {
		*message = g_strdup_printf("mount point %s: %s", mountpoint, g_strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		*message = g_strdup_printf("mount point %s: not a directory", mountpoint);
		return false;
	}
	return true;
}

static void raw_options_clear(RawOptions *raw)
{
	/* fuse_opt_parse() allocates %s values with malloc, which g_free releases */
	g_clear_pointer(&raw->uid, g_free);
	g_clear_pointer(&raw->gid, g_free);
	g_clear_pointer(&raw->umask, g_free);
	g_clear_pointer(&raw->overwritten, g_free);
	g_clear_pointer(&raw->snapshots, g_free);
	g_clear_pointer(&raw->unreadable, g_free);
	g_clear_pointer(&raw->min_recoverable, g_free);
	g_clear_pointer(&raw->deleted_after, g_free);
	g_clear_pointer(&raw->deleted_before, g_free);
	common_opts_location_args_clear(&raw->location);
	common_opts_secret_args_clear(&raw->secrets);
	g_clear_pointer(&raw->source, g_free);
	g_clear_pointer(&raw->mountpoint, g_free);
	g_clear_pointer(&raw->error, g_free);
}

static bool finish(MountOptions *opts, RawOptions *raw, char **message)
{
	if (raw->source == NULL || raw->mountpoint == NULL) {
		*message = g_strdup("missing SOURCE or MOUNTPOINT (usage: restorefs [options] SOURCE MOUNTPOINT; see --help)");
		return false;
	}
	opts->source = g_steal_pointer(&raw->source);
	if (raw->rw && !started_by_mount_helper()) {
		*message = g_strdup("refusing 'rw': restorefs never writes to the volume; its mounts are always read-only");
		return false;
	}
	if (!check_mountpoint(raw->mountpoint, message) || !convert_presentation(raw, opts, message) ||
	    !convert_location(raw, &opts->location, message))
		return false;

	struct fuse_cmdline_opts cmd = { 0 };
	if (fuse_parse_cmdline(&opts->fuse_args, &cmd) != 0) {
		*message = g_strdup("invalid FUSE options (see --help)");
		return false;
	}
	opts->mountpoint = g_strdup(cmd.mountpoint);
	free(cmd.mountpoint);
	opts->foreground = cmd.foreground != 0;
	opts->debug = cmd.debug != 0;
	opts->singlethread = cmd.singlethread != 0;
	opts->clone_fd = cmd.clone_fd != 0;
	opts->max_idle_threads = cmd.max_idle_threads;
	opts->max_threads = cmd.max_threads;

	/* a comma or backslash in the source path must not end the option list */
	GString *arg = g_string_new("-oro,default_permissions,subtype=restorefs,fsname=");
	for (const char *c = opts->source; *c != '\0'; c++) {
		if (*c == ',' || *c == '\\')
			g_string_append_c(arg, '\\');
		g_string_append_c(arg, *c);
	}
	/* ours come first, so an explicit fsname= or subtype= from the user still wins */
	int failed = fuse_opt_insert_arg(&opts->fuse_args, 1, arg->str);
	g_string_free(arg, TRUE);
	if (failed != 0)
		g_error("out of memory");
	return true;
}

/* Whether `arg` is "--name=V" for one of our "--name %..." templates; *name_length is the
 * length of "--name". */
static bool is_joined_long_option(const char *arg, size_t *name_length)
{
	const char *eq = strchr(arg, '=');
	if (!g_str_has_prefix(arg, "--") || eq == NULL)
		return false;
	size_t n = (size_t)(eq - arg);
	for (const struct fuse_opt *t = templates; t->templ != NULL; t++) {
		if (strncmp(t->templ, arg, n) == 0 && t->templ[n] == ' ') {
			*name_length = n;
			return true;
		}
	}
	return false;
}

/* Copies argv into `out`, "--name=V" of ours as "--name" "V". */
static void split_long_options(struct fuse_args *out, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		size_t n = 0;
		int failed;
		if (i > 0 && is_joined_long_option(argv[i], &n)) {
			g_autofree char *name = g_strndup(argv[i], n);
			failed = fuse_opt_add_arg(out, name) | fuse_opt_add_arg(out, argv[i] + n + 1);
		} else {
			failed = fuse_opt_add_arg(out, argv[i]);
		}
		if (failed != 0)
			g_error("out of memory");
	}
}

bool mount_options_parse(MountOptions *opts, int argc, char **argv, char **message)
{
	memset(opts, 0, sizeof *opts);
	opts->secrets = (CommonOptsSecretArgs)COMMON_OPTS_SECRET_ARGS_INIT;
	opts->fuse_args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	split_long_options(&opts->fuse_args, argc, argv);
	RawOptions raw = { .secrets = COMMON_OPTS_SECRET_ARGS_INIT };
	bool ok = false;
	if (fuse_opt_parse(&opts->fuse_args, &raw, templates, option_proc) != 0) {
		*message = raw.error != NULL ? g_strdup(raw.error) : g_strdup("invalid options (see --help)");
		goto out;
	}
	/* the secret names move to opts; the secrets themselves are read only when unlocking */
	opts->secrets = raw.secrets;
	raw.secrets = (CommonOptsSecretArgs)COMMON_OPTS_SECRET_ARGS_INIT;
	if (opts->secrets.password_fd < -1) {
		*message = g_strdup_printf("-o password_fd: %d is not a file descriptor", opts->secrets.password_fd);
		goto out;
	}
	opts->show_help = raw.help != 0;
	opts->show_version = raw.version != 0;
	ok = opts->show_help || opts->show_version || finish(opts, &raw, message);
out:
	raw_options_clear(&raw);
	return ok;
}

void mount_options_clear(MountOptions *opts)
{
	g_free(opts->source);
	g_free(opts->mountpoint);
	common_opts_secret_args_clear(&opts->secrets);
	fuse_opt_free_args(&opts->fuse_args);
	memset(opts, 0, sizeof *opts);
}

void mount_options_print_help(const char *program)
{
	printf("usage: %s [options] SOURCE MOUNTPOINT\n"
	       "\n"
	       "Shows the deleted files of the NTFS volume SOURCE (an image file, a partition or a\n"
	       "disk) under MOUNTPOINT, read-only, in their original folders; files whose folder is\n"
	       "gone are under lost+found/. SOURCE is only ever read: the MFT is scanned once before\n"
	       "the mount appears, then files are copied out with cp, rsync or a file manager.\n"
	       "\n"
	       "Examples:\n"
	       "  restorefs /dev/sdb1 /mnt/undelete\n"
	       "  restorefs -o uid=1000,gid=1000,umask=022 disk.img /mnt/undelete\n"
	       "  mount -t fuse.restorefs -o ro,allow_other /dev/sdb1 /mnt/undelete\n"
	       "  fusermount3 -u /mnt/undelete                            # unmount\n"
	       "  /etc/fstab: /dev/sdb1  /mnt/undelete  fuse.restorefs  ro,noauto,allow_other  0 0\n"
	       "Lost volumes (restorefs-scan --find-volumes DISK prints these numbers):\n"
	       "  restorefs --partition 2 /dev/sdb /mnt/undelete\n"
	       "  restorefs --start-sector 2048 /dev/sdb /mnt/undelete    # partition table wiped\n"
	       "  restorefs --start-sector 2048 --boot-sector 1050623 /dev/sdb /mnt/undelete\n"
	       "                                    # first sectors overwritten: use the backup copy\n"
	       "  mount -t fuse.restorefs -o start_sector=2048,allow_other /dev/sdb /mnt/undelete\n"
	       "BitLocker:\n"
	       "  restorefs bitlocker.img /mnt/undelete                   # asks for the password\n"
	       "  restorefs --recovery-password-file key.txt /dev/sdb1 /mnt/undelete\n"
	       "  restorefs --startup-key /media/usb/4381F759-C4F8-4DE0-BB61-FC33A831BDA5.BEK \\\n"
	       "            /dev/sdb1 /mnt/undelete\n"
	       "  restorefs --password-fd 3 /dev/sdb1 /mnt/undelete 3< password.txt\n"
	       "\n"
	       "General options:\n"
	       "  -h, --help             print this help and exit\n"
	       "  -V, --version          print the version and exit\n"
	       "  -f                     stay in the foreground\n"
	       "  -d                     debug output (implies -f)\n"
	       "  -s                     serve requests in one thread\n"
	       "  -o opt[,opt...]        mount options, below and in mount.fuse3(8)\n"
	       "\n"
	       "restorefs options:\n"
	       "  -o uid=N, -o gid=N     owner of every entry (default: the mounting user)\n"
	       "  -o umask=M             permissions: files 0644 and directories 0755 minus M, so\n"
	       "                         that copies (cp -a, rsync -a) can be changed and deleted;\n"
	       "                         the mount itself is read-only whatever the modes say\n"
	       "  -o show_live           also show files still in use (user.restorefs.live is set)\n"
	       "  -o ghosts, --ghosts    also show ghosts: files known only from a directory index\n"
	       "                         entry, whose MFT record now holds another file. Shown as\n"
	       "                         empty files with mode 0000 whose open fails (EIO), with\n"
	       "                         user.restorefs.ghost=1 and the size they had in\n"
	       "                         user.restorefs.ghost_size; their times are the entry's\n"
	       "  -o splice, --splice    reads of plain extents go from SOURCE to the kernel by\n"
	       "                         splice, without a copy here: faster, but a bad sector in\n"
	       "                         the middle of a read then shortens the read instead of\n"
	       "                         failing it (the rest reads as zeros); off by default\n"
	       "  -o deep, --deep        after the MFT, sweep the free clusters for the INDX blocks\n"
	       "                         and FILE records of deleted files and folders: more names\n"
	       "                         and paths, files of a formatted volume; reads all free space\n"
	       "  -o deep=all, --deep=all  sweep every cluster, not only the free ones\n"
	       "  -o min_recoverable=N   hide files and streams less than N %% recoverable\n"
	       "  -o deleted_after=TIME, --deleted-after TIME\n"
	       "                         show only files and streams the change journal saw\n"
	       "                         deleted at or after TIME (ISO 8601, UTC without a zone,\n"
	       "                         or a date: its midnight UTC); those whose deletion time\n"
	       "                         is unknown are hidden\n"
	       "  -o deleted_before=TIME, --deleted-before TIME\n"
	       "                         the same, deleted before TIME\n"
	       "  -o snapshots=on|off    Volume Shadow Copies (default on): the files each copy\n"
	       "                         holds that are gone from the live volume, under\n"
	       "                         /@GMT-YYYY.MM.DD-HH.MM.SS (the copy's time, UTC)\n"
	       "  -o overwritten=MODE    clusters now used by another file: raw (default) serves them\n"
	       "                         as they are, zero serves zeros, eio fails those reads\n"
	       "  -o unreadable=MODE     ranges whose location on disk is lost (incomplete files):\n"
	       "                         zero (default) reads them as zeros, as restorefs-scan\n"
	       "                         --extract writes them; eio fails those reads. A bad\n"
	       "                         sector of SOURCE always fails the read that touches it\n"
	       "  -o force, --force      go on even if SOURCE is mounted read-write elsewhere, or is\n"
	       "                         shorter than its volume\n"
	       "\n"
	       "Where the volume is (default: SOURCE is the volume). Each also as -o start_sector=N,\n"
	       "-o boot_sector=M, -o sector_size=BYTES, -o offset=BYTES, -o partition=K, and as\n"
	       "--start-sector=N:\n"
	       "  --start-sector N       SOURCE is a disk; the volume starts at sector N\n"
	       "  --boot-sector M        read the boot sector from sector M of the disk (e.g. the\n"
	       "                         backup copy in the volume's last sector); default: N.\n"
	       "                         Needs --start-sector or --offset\n"
	       "  --sector-size BYTES    512, 1024, 2048 or 4096; default: the device's logical\n"
	       "                         sector size (512 for image files)\n"
	       "  --offset BYTES         SOURCE is a disk; the volume starts at this byte offset\n"
	       "                         (K, M, G suffixes; instead of --start-sector)\n"
	       "  --partition K          partition K of the MBR or GPT table on SOURCE (numbered as\n"
	       "                         Linux does: 1-4 primary, logical from 5)\n"
	       "\n"
	       "BitLocker (each also as -o password_file=FILE and so on). Secrets are read from files\n"
	       "or a descriptor, never given on the command line; the file names do show in ps.\n"
	       "Without any of these, the password or the recovery password is asked for on the\n"
	       "terminal, without echo, before restorefs goes to the background:\n"
	       "  --password-file FILE           user password (first line of FILE)\n"
	       "  --recovery-password-file FILE  48-digit recovery password (dashes optional)\n"
	       "  --startup-key FILE.BEK         startup key\n"
	       "  --key-file FILE                full-volume encryption key, raw bytes or hex text\n"
	       "  --password-fd N                user password, read from file descriptor N\n"
	       "  --bitlocker native|libbde      decryption backend (-o bitlocker=): native, the\n"
	       "                                 default, or libbde, the slower reference\n"
	       "\n"
	       "Exit status: 0 once the file system is mounted and restorefs is in the background\n"
	       "(with -f: after it is unmounted); 1 when an option, SOURCE, the BitLocker key or\n"
	       "the scan fails (one line on stderr, and nothing is mounted), or when serving ends\n"
	       "in an error. Warnings print as 'restorefs: warning: ...' on stderr,\n"
	       "or go to syslog once restorefs is in the background; G_MESSAGES_DEBUG=restorefs-context\n"
	       "(or =all) adds the library's progress messages.\n"
	       "\n"
	       "Every entry carries extended attributes user.restorefs.* (mft, clusters,\n"
	       "clusters_in_use, recoverable, state, unreadable_bytes, crtime, fn_*time,\n"
	       "original_path, flags, live, deleted, path_source, snapshot);\n"
	       "see them with\n"
	       "  getfattr -d -m - FILE\n"
	       "A mount is always read-only: -o rw is refused.\n"
	       "\n",
	       program);
	fflush(stdout);
	printf("FUSE options:\n");
	fflush(stdout);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}
