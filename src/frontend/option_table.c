/* The one table of options both front ends take, their GOption form for restorefs-scan, and
 * --help generated from it. Parses no values: option_settings.c turns the recorded text into
 * settings for both programs. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "option_table.h"

#include <stdint.h>
#include <string.h>

#define SCAN OPTION_FOR_SCAN
#define MOUNT OPTION_FOR_MOUNT
#define BOTH OPTION_FOR_BOTH

const OptionSpec option_table[OPTION_COUNT] = {
	/* what restorefs-scan does with the selection */
	{ OPTION_FORMAT, "format", 'f', NULL, OPTION_VALUE, "FORMAT", OPTION_SECTION_OUTPUT, SCAN,
	  "Listing format: text (default), csv, json or bodyfile" },
	{ OPTION_JSON, "json", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_OUTPUT, SCAN,
	  "Same as --format=json" },
	{ OPTION_HASH, "hash", 0, NULL, OPTION_VALUE, "md5|sha256", OPTION_SECTION_OUTPUT, SCAN,
	  "Read each listed file and add the MD5 or SHA-256 of its content to the listing (CSV column, JSON member, text column; the bodyfile's MD5 field)" },
	{ OPTION_EXTRACT, "extract", 'x', NULL, OPTION_VALUE, "DIR", OPTION_SECTION_OUTPUT, SCAN,
	  "Copy the selected entries into DIR instead of listing them" },
	{ OPTION_MERGE, "merge", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_OUTPUT, SCAN,
	  "Let --extract add to a non-empty DIR (existing files are kept)" },
	{ OPTION_NO_STREAMS, "no-streams", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_OUTPUT, SCAN,
	  "With --extract: leave named data streams (\"file:Zone.Identifier\") out" },
	{ OPTION_PORTABLE_NAMES, "portable-names", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_OUTPUT, SCAN,
	  "With --extract: rewrite names FAT and exFAT cannot hold: the characters \"*/:<>?\\| and control characters become '_', trailing dots and spaces are dropped, reserved names (CON, NUL, COM1...) get a '_' suffix; a stream is written as name_stream; names that then repeat get the collision suffix \"(mft N)\"" },
	{ OPTION_INFO, "info", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_OUTPUT, SCAN,
	  "Print the volume's geometry and, for BitLocker, its method, identifier, creation time, description and key protectors, then exit (no key needed)" },
	{ OPTION_FIND_VOLUMES, "find-volumes", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_OUTPUT, SCAN,
	  "SOURCE is a disk: search it for NTFS and BitLocker volumes" },
	{ OPTION_FULL, "full", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_OUTPUT, SCAN,
	  "With --find-volumes: read every sector, not only likely places" },
	{ OPTION_QUIET, "quiet", 'q', NULL, OPTION_FLAG, NULL, OPTION_SECTION_GENERAL, BOTH,
	  "No progress bar and no summary" },
	{ OPTION_VERSION, "version", 'V', NULL, OPTION_FLAG, NULL, OPTION_SECTION_GENERAL, SCAN,
	  "Print the version and exit" },
	{ OPTION_HELP, "help", 'h', NULL, OPTION_FLAG, NULL, OPTION_SECTION_GENERAL, SCAN,
	  "Print this help and exit" },

	/* selection */
	{ OPTION_NAME, "name", 0, NULL, OPTION_VALUE, "GLOB", OPTION_SECTION_SELECT, BOTH,
	  "Only entries whose name matches GLOB, whatever the case (as NTFS compares names); a GLOB with '/' matches the end of the path ('Desktop/*'), or the whole path when it starts with '/'" },
	{ OPTION_CASE_SENSITIVE, "case-sensitive", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_SELECT, BOTH,
	  "Match --name exactly, case included" },
	{ OPTION_MIN_SIZE, "min-size", 0, NULL, OPTION_VALUE, "SIZE", OPTION_SECTION_SELECT, BOTH,
	  "Only files of at least SIZE (K, M, G, T suffixes)" },
	{ OPTION_MAX_SIZE, "max-size", 0, NULL, OPTION_VALUE, "SIZE", OPTION_SECTION_SELECT, BOTH,
	  "Only files of at most SIZE" },
	{ OPTION_MIN_RECOVERABLE, "min-recoverable", 0, NULL, OPTION_VALUE, "PERCENT", OPTION_SECTION_SELECT, BOTH,
	  "Only files with at least PERCENT (0-100) of their clusters not reused" },
	{ OPTION_DELETED_AFTER, "deleted-after", 0, NULL, OPTION_VALUE, "TIME", OPTION_SECTION_SELECT, BOTH,
	  "Only files the change journal saw deleted at or after TIME (ISO 8601, UTC without a zone, or a date: its midnight UTC); files whose deletion time is unknown are left out" },
	{ OPTION_DELETED_BEFORE, "deleted-before", 0, NULL, OPTION_VALUE, "TIME", OPTION_SECTION_SELECT, BOTH,
	  "Only files the change journal saw deleted before TIME" },
	{ OPTION_MODIFIED_AFTER, "modified-after", 0, NULL, OPTION_VALUE, "TIME", OPTION_SECTION_SELECT, BOTH,
	  "Only files last written ($STANDARD_INFORMATION) at or after TIME" },
	{ OPTION_MODIFIED_BEFORE, "modified-before", 0, NULL, OPTION_VALUE, "TIME", OPTION_SECTION_SELECT, BOTH,
	  "Only files last written before TIME" },
	{ OPTION_LIVE, "live", 0, "show_live", OPTION_FLAG, NULL, OPTION_SECTION_SELECT, BOTH,
	  "Also files still in use: flagged live, with user.restorefs.live on the mount" },
	{ OPTION_NO_DIRECTORIES, "no-directories", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_SELECT, SCAN,
	  "Leave directories out of the listing (and empty ones out of --extract)" },
	{ OPTION_DEEP, "deep", 0, NULL, OPTION_OPTIONAL, "all", OPTION_SECTION_SELECT, BOTH,
	  "After the MFT, sweep the free clusters (=all: every cluster) for the INDX blocks and FILE records of deleted files: more names and paths, files of a formatted volume; reads all free space" },
	{ OPTION_SNAPSHOTS, "snapshots", 0, NULL, OPTION_VALUE, "on|off", OPTION_SECTION_SELECT, BOTH,
	  "Volume Shadow Copies: on (default) shows the files each copy holds that are gone from the live volume, under /@GMT-YYYY.MM.DD-HH.MM.SS/ (the copy's time, UTC); off leaves the copies unread" },
	{ OPTION_NO_SNAPSHOTS, "no-snapshots", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_SELECT, BOTH,
	  "Same as --snapshots=off" },
	{ OPTION_GHOSTS, "ghosts", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_SELECT, MOUNT,
	  "Also show ghosts: files known only from a folder's index entry, whose MFT record now holds another file. Shown as empty files of mode 0000 whose open fails (EIO), with user.restorefs.ghost=1 and the size they had in user.restorefs.ghost_size" },

	/* how content is read */
	{ OPTION_OVERWRITTEN, "overwritten", 0, NULL, OPTION_VALUE, "raw|zero|eio", OPTION_SECTION_CONTENT, BOTH,
	  "Clusters now used by another file: raw (default) as they are on disk, zero as zeros, eio unreadable" },
	{ OPTION_UNREADABLE, "unreadable", 0, NULL, OPTION_VALUE, "zero|eio", OPTION_SECTION_CONTENT, MOUNT,
	  "Ranges whose location on disk is lost: zero (default) reads them as zeros, as restorefs-scan --extract writes them; eio fails those reads. A bad sector of SOURCE always fails the read that touches it" },
	{ OPTION_SPLICE, "splice", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_CONTENT, MOUNT,
	  "Reads of plain extents go from SOURCE to the kernel by splice instead of from a read-only mapping of SOURCE (the default; neither copies in the daemon): for a SOURCE that cannot be mapped, such as a file on a FUSE file system without a page cache. A bad sector in the middle of a spliced read shortens it (the rest reads as zeros) instead of failing it; off by default" },
	{ OPTION_DIRECT_IO, "direct-io", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_CONTENT, MOUNT,
	  "Files are read without the kernel's page cache: each read goes to the daemon at the size the reader asked and is copied once, into the reader's buffer. Faster for large sequential reads with big buffers (cp, dd bs=1M), slower for small reads and for reading a file again; a shared mmap(2) of a file fails with ENODEV (private maps work); off by default" },

	/* the mount's presentation */
	{ OPTION_UID, "uid", 0, NULL, OPTION_VALUE, "N", OPTION_SECTION_MOUNT, MOUNT,
	  "Owner of every entry, a number or a user name (default: the mounting user)" },
	{ OPTION_GID, "gid", 0, NULL, OPTION_VALUE, "N", OPTION_SECTION_MOUNT, MOUNT,
	  "Group of every entry, a number or a group name" },
	{ OPTION_UMASK, "umask", 0, NULL, OPTION_VALUE, "M", OPTION_SECTION_MOUNT, MOUNT,
	  "Files are 0644 and directories 0755 minus M (octal), so that copies can be changed and deleted; the mount itself is read-only whatever the modes say" },

	/* where the volume is */
	{ OPTION_FORCE, "force", 0, NULL, OPTION_FLAG, NULL, OPTION_SECTION_LOCATION, BOTH,
	  "Go on (read-only) even if SOURCE is mounted read-write or is shorter than its volume" },
	{ OPTION_START_SECTOR, "start-sector", 0, NULL, OPTION_VALUE, "N", OPTION_SECTION_LOCATION, BOTH,
	  "SOURCE is a disk; the volume starts at sector N" },
	{ OPTION_BOOT_SECTOR, "boot-sector", 0, NULL, OPTION_VALUE, "M", OPTION_SECTION_LOCATION, BOTH,
	  "Read the boot sector from sector M of the disk (default N; may be the volume's last sector, the backup copy; needs --start-sector or --offset)" },
	{ OPTION_SECTOR_SIZE, "sector-size", 0, NULL, OPTION_VALUE, "BYTES", OPTION_SECTION_LOCATION, BOTH,
	  "Sector size of SOURCE: 512, 1024, 2048 or 4096 (default: the device's, 512 for image files)" },
	{ OPTION_OFFSET, "offset", 0, NULL, OPTION_VALUE, "BYTES", OPTION_SECTION_LOCATION, BOTH,
	  "SOURCE is a disk; the volume starts at this byte offset (K/M/G suffixes; instead of --start-sector)" },
	{ OPTION_PARTITION, "partition", 0, NULL, OPTION_VALUE, "K", OPTION_SECTION_LOCATION, BOTH,
	  "Use partition K of the MBR or GPT table on SOURCE (numbered as Linux does: 1-4 primary, logical from 5)" },
	{ OPTION_BITLOCKER, "bitlocker", 0, NULL, OPTION_VALUE, "native|libbde", OPTION_SECTION_SECRET, BOTH,
	  "BitLocker decryption: native (default: own key unwrap, OpenSSL) or libbde, the slower reference" },

	/* BitLocker secrets */
	{ OPTION_PASSWORD_FILE, "password-file", 0, NULL, OPTION_VALUE, "FILE", OPTION_SECTION_SECRET, BOTH,
	  "BitLocker: read the user password from the first line of FILE" },
	{ OPTION_RECOVERY_PASSWORD_FILE, "recovery-password-file", 0, NULL, OPTION_VALUE, "FILE", OPTION_SECTION_SECRET, BOTH,
	  "BitLocker: read the 48-digit recovery password (dashes optional) from FILE" },
	{ OPTION_STARTUP_KEY, "startup-key", 0, NULL, OPTION_VALUE, "FILE.BEK", OPTION_SECTION_SECRET, BOTH,
	  "BitLocker: unlock with the startup key FILE.BEK" },
	{ OPTION_KEY_FILE, "key-file", 0, NULL, OPTION_VALUE, "FILE", OPTION_SECTION_SECRET, BOTH,
	  "BitLocker: the full-volume encryption key, raw bytes or hex text" },
	{ OPTION_PASSWORD_FD, "password-fd", 0, NULL, OPTION_VALUE, "N", OPTION_SECTION_SECRET, BOTH,
	  "BitLocker: read the user password from file descriptor N" },
};

static const char *const section_titles[OPTION_SECTION_COUNT] = {
	[OPTION_SECTION_GENERAL] = "General options",
	[OPTION_SECTION_SELECT] = "Selection",
	[OPTION_SECTION_OUTPUT] = "Output",
	[OPTION_SECTION_CONTENT] = "Content of damaged files",
	[OPTION_SECTION_MOUNT] = "Owner and permissions",
	[OPTION_SECTION_LOCATION] = "Where the volume is (default: SOURCE is the volume)",
	[OPTION_SECTION_SECRET] = "BitLocker (secrets are read from files or a descriptor, never from the command line; without one, the password is asked on the terminal)",
};

/* Whether `key` (length bytes) spells `long_name` with '_' for '-'. */
static bool key_equals(const char *long_name, const char *key, size_t length)
{
	if (strlen(long_name) != length)
		return false;
	for (size_t i = 0; i < length; i++) {
		char c = long_name[i] == '-' ? '_' : long_name[i];
		if (key[i] != c)
			return false;
	}
	return true;
}

const OptionSpec *option_table_lookup_long(const char *name, size_t length, unsigned programs)
{
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const OptionSpec *s = &option_table[i];
		if ((s->programs & programs) && strlen(s->long_name) == length &&
		    memcmp(s->long_name, name, length) == 0)
			return s;
	}
	return NULL;
}

const OptionSpec *option_table_lookup_key(const char *key, size_t length, unsigned programs)
{
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const OptionSpec *s = &option_table[i];
		if (!(s->programs & programs))
			continue;
		if (key_equals(s->long_name, key, length) ||
		    (s->key_alias != NULL && strlen(s->key_alias) == length &&
		     memcmp(s->key_alias, key, length) == 0))
			return s;
	}
	return NULL;
}

char *option_table_key(const OptionSpec *spec)
{
	return g_strdelimit(g_strdup(spec->long_name), "-", '_');
}

void option_values_set(OptionValues *values, const OptionSpec *spec, const char *value,
		       const char *spelling)
{
	values->given[spec->id] = true;
	g_free(values->value[spec->id]);
	values->value[spec->id] = g_strdup(value);
	g_free(values->spelling[spec->id]);
	values->spelling[spec->id] = g_strdup(spelling);
}

void option_values_clear(OptionValues *values)
{
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		g_clear_pointer(&values->value[i], g_free);
		g_clear_pointer(&values->spelling[i], g_free);
		values->given[i] = false;
	}
}

/* ---- GOption ------------------------------------------------------------------------------- */

static gboolean goption_store(const char *option_name, const char *value, gpointer data, GError **error)
{
	OptionValues *values = data;
	const OptionSpec *spec = NULL;
	if (g_str_has_prefix(option_name, "--")) {
		spec = option_table_lookup_long(option_name + 2, strlen(option_name + 2), OPTION_FOR_SCAN);
	} else {
		for (size_t i = 0; i < OPTION_COUNT && spec == NULL; i++)
			if (option_table[i].short_name != 0 && option_name[1] == option_table[i].short_name)
				spec = &option_table[i];
	}
	if (spec == NULL) { /* cannot happen: GOption only calls back for our entries */
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "%s: unknown", option_name);
		return FALSE;
	}
	/* an optional value left out arrives as "" (see the caller's rewrite of a bare --deep) */
	if (spec->kind == OPTION_OPTIONAL && value != NULL && *value == '\0')
		value = NULL;
	g_autofree char *spelling = g_strconcat("--", spec->long_name, NULL);
	option_values_set(values, spec, value, spelling);
	return TRUE;
}

GOptionGroup *option_table_goption_group(OptionValues *values)
{
	GOptionGroup *group = g_option_group_new("restorefs-scan", "Options", "Show the options", values, NULL);
	GOptionEntry entries[OPTION_COUNT + 1];
	size_t n = 0;
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const OptionSpec *s = &option_table[i];
		if (!(s->programs & OPTION_FOR_SCAN))
			continue;
		int flags = s->kind == OPTION_FLAG ? G_OPTION_FLAG_NO_ARG
			    : s->kind == OPTION_OPTIONAL ? G_OPTION_FLAG_OPTIONAL_ARG : 0;
		entries[n++] = (GOptionEntry){ s->long_name, s->short_name, flags, G_OPTION_ARG_CALLBACK,
					       (gpointer)(uintptr_t)goption_store, s->help, s->value_name };
	}
	entries[n] = (GOptionEntry){ NULL, 0, 0, 0, NULL, NULL, NULL };
	g_option_group_add_entries(group, entries); /* copies the entries */
	return group;
}

/* ---- help ---------------------------------------------------------------------------------- */

enum { HELP_WIDTH = 80, HELP_INDENT = 26 };

/* Appends `text` wrapped at HELP_WIDTH, every line indented by `indent`; the first line
 * starts at `column`. */
static void append_wrapped(GString *out, const char *text, size_t indent, size_t column)
{
	g_auto(GStrv) words = g_strsplit(text, " ", -1);
	bool line_has_word = false;
	for (char **w = words; *w != NULL; w++) {
		size_t len = (size_t)g_utf8_strlen(*w, -1);
		if (line_has_word && column + 1 + len > HELP_WIDTH) {
			g_string_append_c(out, '\n');
			column = 0;
			line_has_word = false;
		}
		if (line_has_word) {
			g_string_append_c(out, ' ');
			column++;
		} else if (column < indent) {
			g_string_append_printf(out, "%*s", (int)(indent - column), "");
			column = indent;
		}
		g_string_append(out, *w);
		column += len;
		line_has_word = true;
	}
	g_string_append_c(out, '\n');
}

/* "--deep[=all]", "--name=GLOB", "--live"; with `key`, the -o form with '_'. */
static void append_form(GString *out, const OptionSpec *s, const char *name)
{
	g_string_append(out, name);
	if (s->kind == OPTION_VALUE)
		g_string_append_printf(out, "=%s", s->value_name);
	else if (s->kind == OPTION_OPTIONAL)
		g_string_append_printf(out, "[=%s]", s->value_name);
}

static void append_row(GString *out, const OptionSpec *s, unsigned program)
{
	g_autoptr(GString) left = g_string_new("  ");
	if (program == OPTION_FOR_SCAN && s->short_name != 0)
		g_string_append_printf(left, "-%c, ", s->short_name);
	g_autofree char *dashed = g_strconcat("--", s->long_name, NULL);
	append_form(left, s, dashed);
	g_autoptr(GString) help = g_string_new(s->help);
	if (program == OPTION_FOR_MOUNT) {
		g_autofree char *key = option_table_key(s);
		g_autofree char *o = g_strconcat("-o ", key, NULL);
		g_string_append(left, ", ");
		append_form(left, s, o);
		if (s->key_alias != NULL)
			g_string_append_printf(help, " (also -o %s)", s->key_alias);
	}
	g_string_append(out, left->str);
	size_t column = left->len;
	if (column + 2 > HELP_INDENT) {
		g_string_append_c(out, '\n');
		column = 0;
	}
	append_wrapped(out, help->str, HELP_INDENT, column);
}

void option_table_help(GString *out, unsigned program)
{
	for (int section = 0; section < OPTION_SECTION_COUNT; section++) {
		bool any = false;
		for (size_t i = 0; i < OPTION_COUNT; i++) {
			const OptionSpec *s = &option_table[i];
			if (s->section != (OptionSection)section || !(s->programs & program))
				continue;
			if (!any) {
				g_string_append_c(out, '\n');
				append_wrapped(out, section_titles[section], 0, 0);
				g_string_truncate(out, out->len - 1);
				g_string_append(out, ":\n");
			}
			any = true;
			append_row(out, s, program);
		}
	}
}
