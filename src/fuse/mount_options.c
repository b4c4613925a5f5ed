/* Command-line parsing for the daemon: our options are taken out of argv, the standard FUSE
 * ones are left for libfuse, and "-o ro,default_permissions,fsname=SOURCE,subtype=restorefs"
 * is added so that every mount is read-only whatever the caller asked. */
#define G_LOG_DOMAIN "restorefs-fuse"

#include "mount_options.h"

#include "option_table.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The command line as fuse_opt_parse() leaves it: the table's options as text (converted by
 * option_settings.c, the same code restorefs-scan uses), SOURCE and MOUNTPOINT. */
typedef struct {
	OptionValues values;
	int rw, help, version;
	char *source, *mountpoint;
	char *error;
} RawOptions;

/* Keys of our own templates; a table row's are KEY_TABLE + id * FORM_COUNT + form. */
enum { KEY_DISCARD, KEY_RW, KEY_HELP, KEY_VERSION, KEY_TABLE = 16 };
typedef enum { FORM_KEY, FORM_KEY_VALUE, FORM_LONG, FORM_LONG_VALUE, FORM_COUNT } Form;

static const struct fuse_opt fixed_templates[] = {
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
};

/* fuse_opt templates for every row the mount takes: "key" and "key=" (-o key, -o key=V),
 * "--long" and "--long=" ("--long V" is joined to "--long=V" beforehand), for the key
 * alias too. A template ending in '=' matches that exact name with any value, so no row
 * swallows another whose name it begins. Both spellings of every row are listed, also the
 * ones that are wrong for its kind, so that "-o overwritten" without a value gets our
 * message rather than libfuse's. */
typedef struct {
	GArray *opts;     /* struct fuse_opt, FUSE_OPT_END last */
	GPtrArray *names; /* the template strings */
} Templates;

static void templates_add(Templates *t, char *name, int key)
{
	g_ptr_array_add(t->names, name);
	struct fuse_opt opt = FUSE_OPT_KEY(name, key);
	g_array_append_val(t->opts, opt);
}

static void templates_build(Templates *t)
{
	t->opts = g_array_new(FALSE, FALSE, sizeof(struct fuse_opt));
	t->names = g_ptr_array_new_with_free_func(g_free);
	g_array_append_vals(t->opts, fixed_templates, G_N_ELEMENTS(fixed_templates));
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const OptionSpec *s = &option_table[i];
		if (!(s->programs & OPTION_FOR_MOUNT))
			continue;
		int base = KEY_TABLE + (int)s->id * FORM_COUNT;
		g_autofree char *key = option_table_key(s);
		const char *keys[] = { key, s->key_alias };
		for (size_t k = 0; k < G_N_ELEMENTS(keys) && keys[k] != NULL; k++) {
			templates_add(t, g_strdup(keys[k]), base + FORM_KEY);
			templates_add(t, g_strconcat(keys[k], "=", NULL), base + FORM_KEY_VALUE);
		}
		templates_add(t, g_strconcat("--", s->long_name, NULL), base + FORM_LONG);
		templates_add(t, g_strconcat("--", s->long_name, "=", NULL), base + FORM_LONG_VALUE);
	}
	struct fuse_opt end = FUSE_OPT_END;
	g_array_append_val(t->opts, end);
}

static void templates_clear(Templates *t)
{
	g_array_free(t->opts, TRUE);
	g_ptr_array_free(t->names, TRUE);
}

/* Records one of the table's options; false (with raw->error) for a value where none
 * belongs or none where one must be. */
static bool take_table_option(RawOptions *raw, int key, const char *arg)
{
	const OptionSpec *s = &option_table[(key - KEY_TABLE) / FORM_COUNT];
	Form form = (Form)((key - KEY_TABLE) % FORM_COUNT);
	bool has_value = form == FORM_KEY_VALUE || form == FORM_LONG_VALUE;
	const char *eq = strchr(arg, '=');
	g_autofree char *name = eq != NULL ? g_strndup(arg, (gsize)(eq - arg)) : g_strdup(arg);
	g_autofree char *spelling = form == FORM_LONG || form == FORM_LONG_VALUE ? g_strdup(name)
										 : g_strconcat("-o ", name, NULL);
	if (s->kind == OPTION_FLAG && has_value) {
		raw->error = g_strdup_printf("%s takes no value (not '%s')", spelling, arg);
		return false;
	}
	if (s->kind == OPTION_VALUE && !has_value) {
		raw->error = g_strdup_printf("%s needs a value (%s%s%s)", spelling, spelling,
					     form == FORM_LONG ? " " : "=", s->value_name);
		return false;
	}
	option_values_set(&raw->values, s, has_value ? eq + 1 : NULL, spelling);
	return true;
}

static int option_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	RawOptions *raw = data;
	if (key >= KEY_TABLE)
		return take_table_option(raw, key, arg) ? 0 : -1;
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
	*message = g_strdup_printf("%s: '%s' is no %s name or number", what, text, group ? "group" : "user");
	return false;
}

static bool convert_presentation(const RawOptions *raw, MountOptions *opts, char **message)
{
	const OptionValues *v = &raw->values;
	opts->uid = getuid();
	opts->gid = getgid();
	uint32_t id = 0;
	if (v->given[OPTION_UID]) {
		if (!parse_id(v->spelling[OPTION_UID], v->value[OPTION_UID], false, &id, message))
			return false;
		opts->uid = id;
	}
	if (v->given[OPTION_GID]) {
		if (!parse_id(v->spelling[OPTION_GID], v->value[OPTION_GID], true, &id, message))
			return false;
		opts->gid = id;
	}
	if (v->given[OPTION_UMASK]) {
		guint64 mask = 0;
		if (!g_ascii_string_to_unsigned(v->value[OPTION_UMASK], 8, 0, 0777, &mask, NULL)) {
			*message = g_strdup_printf("%s: '%s' is not an octal mask such as 022",
						   v->spelling[OPTION_UMASK], v->value[OPTION_UMASK]);
			return false;
		}
		opts->umask = (mode_t)mask;
	}
	opts->show_ghosts = v->given[OPTION_GHOSTS];
	opts->splice = v->given[OPTION_SPLICE];
	opts->direct_io = v->given[OPTION_DIRECT_IO];
	g_autoptr(GError) error = NULL;
	if (!option_settings_resolve(v, &opts->common, &error)) {
		*message = g_strdup(error->message);
		return false;
	}
	opts->common.filters.no_ghosts = !opts->show_ghosts;
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
	option_values_clear(&raw->values);
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
	if (!check_mountpoint(raw->mountpoint, message) || !convert_presentation(raw, opts, message))
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

/* Copies argv into `out`, with "--name" "V" of a row taking a value joined as "--name=V"
 * (the templates match that form only). */
static void join_long_options(struct fuse_args *out, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const OptionSpec *s = NULL;
		if (i > 0 && g_str_has_prefix(argv[i], "--") && i + 1 < argc)
			s = option_table_lookup_long(argv[i] + 2, strlen(argv[i] + 2), OPTION_FOR_MOUNT);
		int failed;
		if (s != NULL && s->kind == OPTION_VALUE) {
			g_autofree char *joined = g_strconcat(argv[i], "=", argv[i + 1], NULL);
			failed = fuse_opt_add_arg(out, joined);
			i++;
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
	opts->common = (OptionSettings){ .filters = FILTERS_INIT, .secrets = COMMON_OPTS_SECRET_ARGS_INIT };
	opts->fuse_args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	join_long_options(&opts->fuse_args, argc, argv);
	RawOptions raw = { 0 };
	Templates templates;
	templates_build(&templates);
	bool ok = false;
	if (fuse_opt_parse(&opts->fuse_args, &raw, (const struct fuse_opt *)(void *)templates.opts->data,
			   option_proc) != 0) {
		*message = raw.error != NULL ? g_strdup(raw.error) : g_strdup("invalid options (see --help)");
		goto out;
	}
	opts->show_help = raw.help != 0;
	opts->show_version = raw.version != 0;
	ok = opts->show_help || opts->show_version || finish(opts, &raw, message);
out:
	templates_clear(&templates);
	raw_options_clear(&raw);
	return ok;
}

void mount_options_clear(MountOptions *opts)
{
	g_free(opts->source);
	g_free(opts->mountpoint);
	option_settings_clear(&opts->common);
	fuse_opt_free_args(&opts->fuse_args);
	memset(opts, 0, sizeof *opts);
}

void mount_options_print_help(const char *program)
{
	g_autoptr(GString) help = g_string_new(NULL);
	g_string_append_printf(help,
	       "usage: %s [options] SOURCE MOUNTPOINT\n"
	       "\n"
	       "Shows the deleted files of the NTFS volume SOURCE (an image file, a partition or a\n"
	       "disk) under MOUNTPOINT, read-only, in their original folders; files whose folder is\n"
	       "gone are under lost+found/. SOURCE is only ever read: the MFT is scanned once before\n"
	       "the mount appears, then files are copied out with cp, rsync or a file manager.\n"
	       "\n"
	       "Examples:\n"
	       "  restorefs /dev/sdb1 /mnt/undelete\n"
	       "  restorefs -o uid=1000,gid=1000,umask=022 disk.img /mnt/undelete\n"
	       "  restorefs --name '*.jpg' --modified-after 2024-01-01 disk.img /mnt/photos\n"
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
	       "  restorefs --password-fd 3 /dev/sdb1 /mnt/undelete 3< password.txt\n"
	       "\n"
	       "Each option below is taken in three spellings: --min-size=V, --min-size V and\n"
	       "-o min_size=V; a flag as --live or -o live. The selection hides what does not match; a folder stays as long\n"
	       "as it leads to something shown. --name ignores case unless --case-sensitive.\n"
	       "\n"
	       "FUSE options:\n"
	       "  -h, --help             print this help and exit\n"
	       "  -V, --version          print the version and exit\n"
	       "  -f                     stay in the foreground\n"
	       "  -d                     debug output (implies -f)\n"
	       "  -s                     serve requests in one thread\n"
	       "  -o opt[,opt...]        mount options: the ones below, and those of mount.fuse3(8)\n"
	       "                         such as allow_other, allow_root, auto_unmount, fsname=NAME,\n"
	       "                         subtype=TYPE, max_read=N, max_threads=N, clone_fd\n",
	       program);
	option_table_help(help, OPTION_FOR_MOUNT);
	g_string_append(help,
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
	       "A mount is always read-only: -o rw is refused.\n");
	fputs(help->str, stdout);
	fflush(stdout);
}
