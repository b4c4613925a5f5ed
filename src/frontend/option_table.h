/* The options of restorefs-scan and restorefs, in one table: long name, value kind, value
 * name, help text and the programs that take each. restorefs-scan parses them with GOption
 * (option_table_goption_group()), restorefs with fuse_opt (src/fuse/mount_options.c builds
 * its templates from the table), and both print --help from it (option_table_help()).
 *
 * Spellings: a long option is --long-name=V or --long-name V; for the mount each is also
 * -o long_name=V (dashes become underscores), a flag --live also -o live. Values are kept as
 * the text given (OptionValues) and converted by option_settings.c, so both programs check
 * them with the same code and the same messages. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
	OPTION_FOR_SCAN = 1 << 0,  /* restorefs-scan */
	OPTION_FOR_MOUNT = 1 << 1, /* restorefs      */
	OPTION_FOR_BOTH = OPTION_FOR_SCAN | OPTION_FOR_MOUNT,
} OptionPrograms;

typedef enum {
	OPTION_FLAG,     /* no value: --live, -o live                          */
	OPTION_VALUE,    /* a value: --name=GLOB or --name GLOB, -o name=GLOB */
	OPTION_OPTIONAL, /* an optional value, joined only: --deep, --deep=all */
} OptionKind;

/* The headings of --help, in this order. */
typedef enum {
	OPTION_SECTION_GENERAL,
	OPTION_SECTION_SELECT,
	OPTION_SECTION_OUTPUT,
	OPTION_SECTION_CONTENT,
	OPTION_SECTION_MOUNT,
	OPTION_SECTION_LOCATION,
	OPTION_SECTION_SECRET,
	OPTION_SECTION_COUNT,
} OptionSection;

/* One per row of the table; option_table[id].id == id. */
typedef enum {
	OPTION_FORMAT,
	OPTION_JSON,
	OPTION_HASH,
	OPTION_EXTRACT,
	OPTION_MERGE,
	OPTION_NO_STREAMS,
	OPTION_PORTABLE_NAMES,
	OPTION_INFO,
	OPTION_FIND_VOLUMES,
	OPTION_FULL,
	OPTION_QUIET,
	OPTION_VERSION,
	OPTION_HELP,
	OPTION_NAME,
	OPTION_CASE_SENSITIVE,
	OPTION_MIN_SIZE,
	OPTION_MAX_SIZE,
	OPTION_MIN_RECOVERABLE,
	OPTION_DELETED_AFTER,
	OPTION_DELETED_BEFORE,
	OPTION_MODIFIED_AFTER,
	OPTION_MODIFIED_BEFORE,
	OPTION_LIVE,
	OPTION_NO_DIRECTORIES,
	OPTION_DEEP,
	OPTION_SNAPSHOTS,
	OPTION_NO_SNAPSHOTS,
	OPTION_GHOSTS,
	OPTION_OVERWRITTEN,
	OPTION_UNREADABLE,
	OPTION_SPLICE,
	OPTION_DIRECT_IO,
	OPTION_UID,
	OPTION_GID,
	OPTION_UMASK,
	OPTION_FORCE,
	OPTION_START_SECTOR,
	OPTION_BOOT_SECTOR,
	OPTION_SECTOR_SIZE,
	OPTION_OFFSET,
	OPTION_PARTITION,
	OPTION_BITLOCKER,
	OPTION_PASSWORD_FILE,
	OPTION_RECOVERY_PASSWORD_FILE,
	OPTION_STARTUP_KEY,
	OPTION_KEY_FILE,
	OPTION_PASSWORD_FD,
	OPTION_COUNT,
} OptionId;

typedef struct {
	OptionId id;
	const char *long_name;  /* "min-recoverable"; the -o key is "min_recoverable"     */
	char short_name;        /* restorefs-scan's one-letter form, or 0                  */
	const char *key_alias;  /* a further -o key the mount takes ("show_live"), or NULL */
	OptionKind kind;
	const char *value_name; /* "PERCENT"; for OPTION_OPTIONAL the optional part "all"  */
	OptionSection section;
	unsigned programs;      /* OptionPrograms                                          */
	const char *help;       /* one or more sentences, no trailing newline              */
} OptionSpec;

extern const OptionSpec option_table[OPTION_COUNT];

/* The row whose long name is the `length` bytes at `name` (no leading dashes), or whose
 * -o key (or key alias) is, among those `programs` take; NULL if none. */
const OptionSpec *option_table_lookup_long(const char *name, size_t length, unsigned programs);
const OptionSpec *option_table_lookup_key(const char *key, size_t length, unsigned programs);
/* The -o key of a row: its long name with '_' for '-' (g_free). */
char *option_table_key(const OptionSpec *spec);

/* What the command line said, as text. */
typedef struct {
	bool given[OPTION_COUNT];
	char *value[OPTION_COUNT];    /* the value; NULL for a flag or an optional value left out */
	char *spelling[OPTION_COUNT]; /* "--min-recoverable" or "-o min_recoverable", for messages */
} OptionValues;

/* Records `spec` as given (the last one wins), copying `value` and `spelling`. */
void option_values_set(OptionValues *values, const OptionSpec *spec, const char *value,
		       const char *spelling);
void option_values_clear(OptionValues *values);

/* A GOption group (to be the main group) whose entries are the rows restorefs-scan takes;
 * their callbacks fill `values`, which must outlive the group. --help is a row of the
 * table too: the context's own help must be turned off (g_option_context_set_help_enabled). */
GOptionGroup *option_table_goption_group(OptionValues *values);

/* Appends the option list of `program` (one OptionPrograms bit), by section, wrapped at 80
 * columns: "  -x, --extract=DIR     help..." for restorefs-scan, "  --name=GLOB, -o name=GLOB"
 * for restorefs. */
void option_table_help(GString *out, unsigned program);
