/* Command-line parsing for the daemon: our options are taken out of argv, the standard FUSE
 * ones are left for libfuse, and "-o ro,default_permissions,fsname=SOURCE,subtype=restorefs"
 * is added so that every mount is read-only whatever the caller asked. */
#define G_LOG_DOMAIN "restorefs-fuse"

#include "fuse/mount_options.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Option values as fuse_opt_parse() leaves them: strings, converted and checked afterwards. */
typedef struct {
	char *uid, *gid, *umask, *overwritten;
	char *start_sector, *boot_sector, *sector_size, *offset, *partition;
	char *password_file, *recovery_password_file, *startup_key, *key_file;
	int show_live, force, rw, help, version;
	char *source, *mountpoint;
	char *error;
} RawOptions;

enum { KEY_DISCARD, KEY_RW, KEY_HELP, KEY_VERSION };

#define VALUE(templ, field) { templ, offsetof(RawOptions, field), 0 }
/* -o name=V, --long-name=V and --long-name V */
#define LOCATION(opt, longopt, field) \
	VALUE(opt "=%s", field), VALUE(longopt "=%s", field), VALUE(longopt " %s", field)

static const struct fuse_opt templates[] = {
	VALUE("uid=%s", uid),
	VALUE("gid=%s", gid),
	VALUE("umask=%s", umask),
	VALUE("overwritten=%s", overwritten),
	{ "show_live", offsetof(RawOptions, show_live), 1 },
	{ "force", offsetof(RawOptions, force), 1 },
	LOCATION("start_sector", "--start-sector", start_sector),
	LOCATION("boot_sector", "--boot-sector", boot_sector),
	LOCATION("sector_size", "--sector-size", sector_size),
	LOCATION("offset", "--offset", offset),
	LOCATION("partition", "--partition", partition),
	LOCATION("password_file", "--password-file", password_file),
	LOCATION("recovery_password_file", "--recovery-password-file", recovery_password_file),
	LOCATION("startup_key", "--startup-key", startup_key),
	LOCATION("key_file", "--key-file", key_file),
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
	opts->overwritten = RFS_OVERWRITTEN_RAW;
	if (raw->overwritten != NULL) {
		if (strcmp(raw->overwritten, "raw") == 0)
			opts->overwritten = RFS_OVERWRITTEN_RAW;
		else if (strcmp(raw->overwritten, "zero") == 0)
			opts->overwritten = RFS_OVERWRITTEN_ZERO;
		else if (strcmp(raw->overwritten, "eio") == 0)
			opts->overwritten = RFS_OVERWRITTEN_EIO;
		else {
			*message = g_strdup_printf("overwritten=%s: expected raw, zero or eio", raw->overwritten);
			return false;
		}
	}
	opts->show_live = raw->show_live != 0;
	return true;
}

static bool convert_location(const RawOptions *raw, RfsLocation *loc, char **message)
{
	uint64_t v = 0;
	*loc = (RfsLocation){ .boot_sector = RFS_BOOT_SECTOR_DEFAULT };
	if (raw->force)
		loc->flags |= RFS_CONTEXT_FORCE;
	if (raw->start_sector != NULL || raw->boot_sector != NULL || raw->offset != NULL)
		loc->flags |= RFS_CONTEXT_DISK;
	if (raw->start_sector != NULL && !parse_u64("start sector", raw->start_sector, UINT64_MAX, &loc->start_sector, message))
		return false;
	if (raw->boot_sector != NULL && !parse_u64("boot sector", raw->boot_sector, UINT64_MAX - 1, &loc->boot_sector, message))
		return false;
	if (raw->offset != NULL && !parse_u64("offset", raw->offset, UINT64_MAX, &loc->offset_bytes, message))
		return false;
	if (raw->sector_size != NULL) {
		if (!parse_u64("sector size", raw->sector_size, 65536, &v, message))
			return false;
		if (v < 512 || (v & (v - 1)) != 0) {
			*message = g_strdup_printf("sector size %s: expected a power of two from 512 to 65536", raw->sector_size);
			return false;
		}
		loc->sector_size = (uint32_t)v;
	}
	if (raw->partition != NULL) {
		if (!parse_u64("partition", raw->partition, 256, &v, message))
			return false;
		if (v == 0) {
			*message = g_strdup("partition: numbers start at 1");
			return false;
		}
		loc->partition = (uint32_t)v;
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
	/* fuse_opt_parse() allocates %s values with malloc */
	char **strings[] = { &raw->uid, &raw->gid, &raw->umask, &raw->overwritten,
			     &raw->start_sector, &raw->boot_sector, &raw->sector_size,
			     &raw->offset, &raw->partition };
	for (size_t i = 0; i < G_N_ELEMENTS(strings); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	g_free(raw->mountpoint);
	g_free(raw->error);
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

bool mount_options_parse(MountOptions *opts, int argc, char **argv, char **message)
{
	memset(opts, 0, sizeof *opts);
	opts->fuse_args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	for (int i = 0; i < argc; i++) {
		if (fuse_opt_add_arg(&opts->fuse_args, argv[i]) != 0)
			g_error("out of memory");
	}
	RawOptions raw = { 0 };
	bool ok = false;
	if (fuse_opt_parse(&opts->fuse_args, &raw, templates, option_proc) != 0) {
		*message = raw.error != NULL ? g_strdup(raw.error) : g_strdup("invalid options (see --help)");
		goto out;
	}
	opts->password_file = g_strdup(raw.password_file);
	opts->recovery_password_file = g_strdup(raw.recovery_password_file);
	opts->startup_key = g_strdup(raw.startup_key);
	opts->key_file = g_strdup(raw.key_file);
	opts->show_help = raw.help != 0;
	opts->show_version = raw.version != 0;
	ok = opts->show_help || opts->show_version || finish(opts, &raw, message);
out:
	free(raw.password_file);
	free(raw.recovery_password_file);
	free(raw.startup_key);
	free(raw.key_file);
	g_free(raw.source);
	raw_options_clear(&raw);
	return ok;
}

void mount_options_clear(MountOptions *opts)
{
	g_free(opts->source);
	g_free(opts->mountpoint);
	g_free(opts->password_file);
	g_free(opts->recovery_password_file);
	g_free(opts->startup_key);
	g_free(opts->key_file);
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
	       "  restorefs --start-sector 2048 /dev/sdb /mnt/undelete   # lost partition\n"
	       "  mount -t fuse.restorefs -o ro,allow_other /dev/sdb1 /mnt/undelete\n"
	       "  fusermount3 -u /mnt/undelete                            # unmount\n"
	       "  /etc/fstab: /dev/sdb1  /mnt/undelete  fuse.restorefs  ro,noauto,allow_other  0 0\n"
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
	       "  -o umask=M             permissions: files 0444 and directories 0555 minus M\n"
	       "  -o show_live           also show files still in use (user.restorefs.live is set)\n"
	       "  -o overwritten=MODE    clusters now used by another file: raw (default) serves them\n"
	       "                         as they are, zero serves zeros, eio fails those reads\n"
	       "  -o force               go on even if SOURCE is mounted read-write elsewhere\n"
	       "\n"
	       "Where the volume is (also as -o start_sector=N and so on):\n"
	       "  --start-sector N       SOURCE is a disk; the volume starts at sector N\n"
	       "  --boot-sector M        read the boot sector from sector M (e.g. the backup copy in\n"
	       "                         the volume's last sector); default: the start sector\n"
	       "  --sector-size BYTES    default: the device's logical sector size (512 for files)\n"
	       "  --offset BYTES         the volume starts at this byte offset on SOURCE\n"
	       "  --partition K          the K-th partition of the MBR or GPT table on SOURCE\n"
	       "\n"
	       "BitLocker (secrets are read from files, never given on the command line; without\n"
	       "any of these a password is asked for on the terminal):\n"
	       "  --password-file FILE           user password\n"
	       "  --recovery-password-file FILE  48-digit recovery password\n"
	       "  --startup-key FILE.BEK         startup key\n"
	       "  --key-file FILE                raw full-volume encryption key\n"
	       "\n"
	       "Every entry carries extended attributes user.restorefs.* (mft, clusters,\n"
	       "clusters_in_use, recoverable, crtime, fn_*time, original_path, flags): see them with\n"
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
