/* restorefs-scan: options, the restore context's life, and exit codes. The options and
 * their --help come from the table both programs share (src/frontend/option_table.c), the
 * selection from src/frontend/filters.c; listing formats, hashes and extraction live in
 * list_format.c, content_hash.c and extract.c. This file only wires them together and
 * turns failures into one stderr line and an exit code. */
#define G_LOG_DOMAIN "restorefs-cli"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "content_hash.h"
#include "extract.h"
#include "find_volumes.h"
#include "list_format.h"
#include "list_rows.h"

#include "common_opts.h"
#include "entry_text.h"
#include "filters.h"
#include "option_settings.h"
#include "option_table.h"
#include "frontend_log.h"
#include "progress.h"
#include "source_guide.h"
#include "restorefs/restorefs.h"

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_SOURCE = 2,  /* cannot open SOURCE, not a usable volume, wrong or missing key */
	EXIT_SCAN = 3,    /* the MFT scan failed, or the source stopped answering          */
	EXIT_PARTIAL = 4, /* extraction had failures or unreadable ranges; output failed   */
	EXIT_NOT_INTACT = 5, /* extraction complete, but some files' data is not all theirs  */
	EXIT_TARGET = 6,  /* the --extract target could not be written (full, read-only, ...) */
};

/* The command line as text: the table's options (src/frontend/option_table.c) and SOURCE. */
typedef struct {
	OptionValues values;
	char **args;
} ScanOptions;

#define GIVEN(o, id) ((o)->values.given[OPTION_##id])
#define VALUE(o, id) ((o)->values.value[OPTION_##id])

static const char description[] =
	"Scans the MFT of an NTFS volume once and lists the deleted files it still describes,\n"
	"with their original paths, or copies them out with --extract. SOURCE is an image file\n"
	"or a block device; it is opened read-only and never written (a block device is held\n"
	"exclusively, so nobody can mount it meanwhile).\n"
	"\n"
	"Formats (--format):\n"
	"  text      a table: recoverable %, size, last write time (UTC), path, and the\n"
	"            deletion time where the change journal gives one; a summary line.\n"
	"            Control characters in names are escaped as ls -b does (\\n, \\033, \\\\)\n"
	"  csv       header + one RFC 4180 row per entry: path,mft_record,sequence,stream,type,\n"
	"            size,allocated,clusters,clusters_in_use,recoverable,flags,attributes,\n"
	"            created,modified,accessed,mft_changed,original_path,state,deleted,\n"
	"            path_source,snapshot (and md5 or sha256 with --hash)\n"
	"            (times ISO 8601 UTC with 100 ns digits; the summary goes to stderr)\n"
	"  json      {\"volume\": {...}, \"stats\": {...}, \"entries\": [...]}\n"
	"  bodyfile  The Sleuth Kit body format 3.x for mactime(1), with ($FILE_NAME) lines\n"
	"            (the format has no deletion time: use csv or json for it)\n"
	"\n"
	"Selection: --name, --min-size, --max-size, --min-recoverable, --deleted-after,\n"
	"--deleted-before, --modified-after and --modified-before select files and streams (an\n"
	"ADS is listed as file:stream). Deleted directories are listed too; once a filter is\n"
	"given, only those holding a selected entry. --name ignores case as Windows does\n"
	"('*.jpg' matches IMG_0001.JPG; --case-sensitive for exact matching) and matches the\n"
	"entry's name, or the end of its path when GLOB contains '/' ('Desktop/*' matches\n"
	"/Users/ann/Desktop/a.txt; '/Users/*' only from the root). SIZE takes K, M, G or T\n"
	"suffixes (powers of 1024). Entries whose parent is lost are under /lost+found.\n"
	"TIME is ISO 8601 (2024-03-01T14:30:00Z; UTC without a zone) or a date (2024-03-01,\n"
	"its midnight UTC); deletion times come from the change journal ($UsnJrnl), and an\n"
	"entry whose deletion time is unknown is left out by either option; modification\n"
	"times are $STANDARD_INFORMATION's last write.\n"
	"Folders whose record is gone or nameless are named again from directory index entries\n"
	"(with --deep also from INDX blocks in free space). Type 'ghost': a deleted file known\n"
	"only from an index entry, its record reused: name, size and times, no data; never\n"
	"extracted.\n"
	"Files that a Volume Shadow Copy holds and the live volume no longer has (deleted or\n"
	"changed since) are under /@GMT-YYYY.MM.DD-HH.MM.SS/ (the copy's time, UTC) at their\n"
	"original paths; --info lists the copies, --snapshots=off leaves them out.\n"
	"\n"
	"Extraction: -x DIR recreates the tree under DIR (created if missing; refused if not\n"
	"empty unless --merge), named streams as 'file:stream' beside their file, with the\n"
	"$STANDARD_INFORMATION times. Each file is written as .NAME.restorefs-partial and\n"
	"renamed to NAME once complete; Ctrl-C removes the partial file. With --merge, a file\n"
	"already in DIR with the same size and modification time is skipped and a different\n"
	"one is replaced; without it nothing is overwritten. Unreadable ranges and ranges whose\n"
	"location is lost are zero-filled, and each such file is reported; so is each file\n"
	"that is not intact. The last line counts the files by state.\n"
	"\n"
	"States (the 'state' CSV column and JSON member; the summary line counts them):\n"
	"  intact              every cluster known, free, and claimed by no later file\n"
	"  partly-overwritten  some clusters now hold another file's data\n"
	"  overwritten         every cluster now holds another file's data\n"
	"  incomplete          part of the file's location on disk is lost (reads as zeros)\n"
	"  contested           some clusters were also used by another deleted file, and which\n"
	"                      came later cannot be told (the summary: 'possibly overwritten')\n"
	"\n"
	"Examples:\n"
	"  restorefs-scan /dev/sdb1\n"
	"  restorefs-scan --name '*.docx' --min-recoverable 100 disk.img\n"
	"  restorefs-scan --format=bodyfile disk.img | mactime -b - -d > timeline.csv\n"
	"  restorefs-scan -x recovered/ --name '/Users/ann/*' /dev/sdb1\n"
	"  restorefs-scan --find-volumes /dev/sdb\n"
	"  restorefs-scan --start-sector 2048 --boot-sector 1050623 -x out/ /dev/sdb\n"
	"  restorefs-scan --partition 2 --sector-size 4096 /dev/sdc\n"
	"  restorefs-scan --info bitlocker.img\n"
	"  restorefs-scan --recovery-password-file key.txt -x out/ bitlocker.img\n"
	"\n"
	"Where the volume is: by default SOURCE is the volume itself. On a disk, give\n"
	"--partition K, or --start-sector N (or --offset BYTES) for a volume no partition table\n"
	"shows; --boot-sector M then reads the boot sector from sector M, such as the backup\n"
	"copy in the volume's last sector. --find-volumes prints these numbers for each volume.\n"
	"\n"
	"BitLocker: secrets are read from files or a descriptor, never from the command line.\n"
	"Without a secret option, the password or recovery password is asked on the terminal\n"
	"(no echo); --info never asks, and unlocks only when a secret option is given.\n"
	"\n"
	"Exit codes:\n"
	"  0  success\n"
	"  1  usage error (bad option, or --extract DIR not empty without --merge)\n"
	"  2  cannot open SOURCE, not a usable NTFS volume, or missing/wrong BitLocker key\n"
	"     (--find-volumes: SOURCE cannot be read)\n"
	"  3  the scan failed (--info still prints what the boot sector says), or the source\n"
	"     stopped answering during the extraction (one message; it stops there)\n"
	"  4  extraction finished with failures or unreadable ranges, or output failed, or\n"
	"     --hash could not read a file (named on stderr, listed without a hash)\n"
	"  5  extraction finished, but some extracted files are not intact (partly overwritten,\n"
	"     overwritten, incomplete or contested: named on stderr); 4 wins over 5\n"
	"  6  the target could not be written: --extract DIR is on a read-only file system, has\n"
	"     less free space than the selection needs (refused before writing, with both\n"
	"     numbers), or a write to it failed (full, quota, I/O error: one message, the\n"
	"     extraction stops there); 6 wins over 4 and 5\n"
	"  130, 143  extraction interrupted by SIGINT (Ctrl-C) or SIGTERM; the file being\n"
	"     written was removed, the files before it are complete (--merge goes on)\n"
	"Warnings go to stderr as 'restorefs-scan: warning: ...'; G_MESSAGES_DEBUG=restorefs-context\n"
	"(or =all) adds the library's progress messages.\n";

static void scan_options_clear(ScanOptions *o)
{
	option_values_clear(&o->values);
	g_strfreev(o->args);
}

static void print_help(void)
{
	g_autoptr(GString) help = g_string_new("Usage: restorefs-scan [OPTION...] SOURCE\n\n"
					       "List and extract deleted files of an NTFS volume.\n");
	option_table_help(help, OPTION_FOR_SCAN);
	g_string_append_printf(help, "\n%s", description);
	fputs(help->str, stdout);
}

static int fail(int code, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "restorefs-scan: %s\n", msg);
	if (code == EXIT_USAGE)
		fprintf(stderr, "Try 'restorefs-scan --help' for more information.\n");
	return code;
}

/* Parsed values that the options only hold as text. */
typedef struct {
	ListFormatKind format;
	OptionSettings common; /* selection, scan flags, stream options, location, secrets */
	const char *hash_name; /* "md5", "sha256" or NULL */
	GChecksumType hash;
} ScanSettings;

/* Returns an exit code when the process should end now, -1 to go on. */
static int parse_options(int argc, char **argv, ScanOptions *o)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(NULL);
	g_option_context_set_help_enabled(oc, FALSE); /* --help is a row of the table */
	GOptionGroup *group = option_table_goption_group(&o->values);
	const GOptionEntry remaining[] = {
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, "SOURCE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_option_group_add_entries(group, remaining);
	g_option_context_set_main_group(oc, group);
	g_autoptr(GError) error = NULL;
	/* GOption would take the word after a bare --deep as its value: make it explicit; and
	 * it drops a value given to a flag ("--live=1") without a word */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--deep") == 0)
			argv[i] = (char *)"--deep=";
		const char *eq = g_str_has_prefix(argv[i], "--") ? strchr(argv[i], '=') : NULL;
		const OptionSpec *spec = eq != NULL ? option_table_lookup_long(argv[i] + 2, (size_t)(eq - argv[i] - 2),
									       OPTION_FOR_SCAN)
						    : NULL;
		if (spec != NULL && spec->kind == OPTION_FLAG)
			return fail(EXIT_USAGE, "--%s takes no value (not '%s')", spec->long_name, argv[i]);
	}
	if (!g_option_context_parse(oc, &argc, &argv, &error))
		return fail(EXIT_USAGE, "%s", error->message);
	if (GIVEN(o, HELP)) {
		print_help();
		return EXIT_OK;
	}
	if (GIVEN(o, VERSION)) {
		printf("restorefs-scan %s\n", RESTOREFS_VERSION);
		return EXIT_OK;
	}
	if (o->args == NULL || o->args[0] == NULL)
		return fail(EXIT_USAGE, "no SOURCE given");
	if (o->args[1] != NULL)
		return fail(EXIT_USAGE, "one SOURCE only ('%s' is extra)", o->args[1]);
	return -1;
}

/* Turns the option strings into settings and rejects combinations that make no sense. */
static int resolve_settings(ScanOptions *o, ScanSettings *s)
{
	g_autoptr(GError) error = NULL;
	s->format = LIST_FORMAT_TEXT;
	if (VALUE(o, FORMAT) != NULL && !list_format_kind_parse(VALUE(o, FORMAT), &s->format))
		return fail(EXIT_USAGE, "--format: '%s' is not text, csv, json or bodyfile", VALUE(o, FORMAT));
	if (GIVEN(o, JSON)) {
		if (VALUE(o, FORMAT) != NULL && s->format != LIST_FORMAT_JSON)
			return fail(EXIT_USAGE, "--json contradicts --format=%s", VALUE(o, FORMAT));
		s->format = LIST_FORMAT_JSON;
	}
	if (!option_settings_resolve(&o->values, &s->common, &error))
		return fail(EXIT_USAGE, "%s", error->message);
	if (GIVEN(o, HASH)) {
		if (strcmp(VALUE(o, HASH), "md5") == 0)
			s->hash = G_CHECKSUM_MD5;
		else if (strcmp(VALUE(o, HASH), "sha256") == 0)
			s->hash = G_CHECKSUM_SHA256;
		else
			return fail(EXIT_USAGE, "--hash: '%s' is not md5 or sha256", VALUE(o, HASH));
		s->hash_name = s->hash == G_CHECKSUM_MD5 ? "md5" : "sha256";
	}
	if (GIVEN(o, MERGE) && !GIVEN(o, EXTRACT))
		return fail(EXIT_USAGE, "--merge goes with --extract");
	if (GIVEN(o, NO_STREAMS) && !GIVEN(o, EXTRACT))
		return fail(EXIT_USAGE, "--no-streams goes with --extract");
	if (GIVEN(o, PORTABLE_NAMES) && !GIVEN(o, EXTRACT))
		return fail(EXIT_USAGE, "--portable-names goes with --extract");
	if (GIVEN(o, FULL) && !GIVEN(o, FIND_VOLUMES))
		return fail(EXIT_USAGE, "--full goes with --find-volumes");
	if (GIVEN(o, FIND_VOLUMES) && (GIVEN(o, START_SECTOR) || GIVEN(o, OFFSET) || GIVEN(o, PARTITION) ||
				       GIVEN(o, EXTRACT) || GIVEN(o, INFO)))
		return fail(EXIT_USAGE, "--find-volumes searches the whole disk: it takes no "
					"--start-sector, --offset, --partition, --extract or --info");
	if (GIVEN(o, EXTRACT) && (GIVEN(o, FORMAT) || GIVEN(o, JSON) || GIVEN(o, HASH)))
		return fail(EXIT_USAGE, "--extract does not list: drop --format%s", GIVEN(o, HASH) ? " and --hash" : "");
	return -1;
}

/* Members of the volume object that only the NTFS inside can tell: unknown while locked. */
static const char *const ntfs_members[] = {
	"sector_size", "cluster_size", "mft_record_size", "total_clusters", "free_clusters",
	"serial", "label",
};

/* The shadow copies: [{"number", "identifier", "created", "size", "folder", "readable",
 * "files"}]. */
static JsonNode *snapshots_json(const RfsContext *ctx)
{
	JsonArray *list = json_array_new();
	for (size_t i = 0; i < rfs_context_snapshot_count(ctx); i++) {
		const RfsSnapshotInfo *c = rfs_context_snapshot(ctx, i);
		char iso[ENTRY_TEXT_ISO_SIZE];
		entry_text_filetime_iso(c->creation_time, iso);
		JsonObject *obj = json_object_new();
		json_object_set_int_member(obj, "number", c->number);
		json_object_set_string_member(obj, "identifier", c->identifier);
		json_object_set_string_member(obj, "created", iso);
		json_object_set_int_member(obj, "size", (gint64)c->size_bytes);
		json_object_set_string_member(obj, "folder", c->folder);
		json_object_set_boolean_member(obj, "readable", c->folder_id != 0);
		json_object_set_int_member(obj, "files", (gint64)c->files);
		json_array_add_object_element(list, obj);
	}
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(node, list);
	return node;
}

static void print_info_json(const char *source, const RfsContext *ctx)
{
	const RfsEncryptionInfo *enc = rfs_context_encryption(ctx);
	bool locked = rfs_context_needs_decryption(ctx);
	g_autoptr(JsonNode) node = list_format_volume_json(source, rfs_context_volume(ctx));
	JsonObject *obj = json_node_get_object(node);
	if (locked) {
		for (size_t i = 0; i < G_N_ELEMENTS(ntfs_members); i++)
			json_object_set_null_member(obj, ntfs_members[i]);
	}
	json_object_set_boolean_member(obj, "locked", locked);
	json_object_set_member(obj, "snapshots", snapshots_json(ctx));
	if (enc != NULL)
		json_object_set_member(obj, "encryption", list_format_encryption_json(enc));
	else
		json_object_set_null_member(obj, "encryption");
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
}

/* One line "WHAT: TEXT" whose text came from the disk: escaped (entry_text_escape()). */
static void print_escaped(const char *what, const char *text)
{
	g_autoptr(GString) line = g_string_new(what);
	entry_text_escape(line, text);
	printf("%s\n", line->str);
}

static void print_encryption_text(const RfsEncryptionInfo *e)
{
	printf("method:          %s\n", e->method != NULL ? e->method : "unknown");
	printf("volume id:       %s\n", e->volume_identifier != NULL ? e->volume_identifier : "unknown");
	char iso[ENTRY_TEXT_ISO_SIZE];
	entry_text_filetime_iso(e->creation_time, iso);
	if (iso[0] != '\0') {
		iso[10] = ' ';
		iso[19] = '\0'; /* "YYYY-MM-DD HH:MM:SS" */
		printf("created:         %s UTC\n", iso);
	} else {
		printf("created:         unknown\n");
	}
	if (e->description != NULL && e->description[0] != '\0')
		print_escaped("description:     ", e->description);
	printf("BitLocker To Go: %s\n", e->to_go ? "yes" : "no");
	printf("key protectors:  %zu\n", e->protector_count);
	for (size_t i = 0; i < e->protector_count; i++)
		printf("  %-19s %s\n", e->protectors[i].type != NULL ? e->protectors[i].type : "unknown",
		       e->protectors[i].identifier != NULL ? e->protectors[i].identifier : "");
}

static void print_info_text(const char *source, const RfsContext *ctx)
{
	const RfsVolumeInfo *v = rfs_context_volume(ctx);
	const RfsEncryptionInfo *enc = rfs_context_encryption(ctx);
	bool locked = rfs_context_needs_decryption(ctx);
	char size[LIST_FORMAT_SIZE_SIZE];
	list_format_human_size(v->size_bytes, size);
	printf("source:          %s\n", source);
	printf("encryption:      %s\n", !v->encrypted ? "none"
					 : locked     ? "BitLocker (locked: no key given)"
						      : "BitLocker (unlocked)");
	if (enc != NULL)
		print_encryption_text(enc);
	printf("volume offset:   %" PRIu64 " bytes\n", v->offset_bytes);
	printf("size:            %s (%" PRIu64 " bytes)\n", size, v->size_bytes);
	if (locked)
		return;
	printf("sector size:     %" PRIu32 " bytes\n", v->sector_size);
	printf("cluster size:    %" PRIu32 " bytes\n", v->cluster_size);
	printf("MFT record size: %" PRIu32 " bytes\n", v->mft_record_size);
	printf("clusters:        %" PRIu64 " (%" PRIu64 " free)\n", v->total_clusters, v->free_clusters);
	printf("serial number:   %016" PRIX64 "\n", v->serial);
	if (v->label != NULL && v->label[0] != '\0')
		print_escaped("label:           ", v->label);
	size_t copies = rfs_context_snapshot_count(ctx);
	if (copies > 0)
		printf("shadow copies:   %zu\n", copies);
	for (size_t i = 0; i < copies; i++) {
		const RfsSnapshotInfo *c = rfs_context_snapshot(ctx, i);
		char iso[ENTRY_TEXT_ISO_SIZE];
		entry_text_filetime_iso(c->creation_time, iso);
		printf("  %2u  %s  %s  %" PRIu64 " bytes  %s%s\n", c->number, c->identifier,
		       iso[0] != '\0' ? iso : "unknown-time", c->size_bytes, c->folder,
		       c->folder_id != 0 ? "" : " (unreadable)");
	}
}

/* The volume (and, for BitLocker, what its header says without a key). */
static int print_info(const char *source, const RfsContext *ctx, bool json)
{
	if (json)
		print_info_json(source, ctx);
	else
		print_info_text(source, ctx);
	return fflush(stdout) == 0 ? EXIT_OK : fail(EXIT_PARTIAL, "cannot write the output");
}

/* The files and streams of `selected` that --hash reads, and their bytes (for the bar). */
static uint64_t hash_total_bytes(const GPtrArray *selected)
{
	uint64_t total = 0;
	for (guint i = 0; i < selected->len; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(selected, i);
		if (!(e->flags & RFS_ENTRY_DIRECTORY))
			total += e->size_bytes;
	}
	return total;
}

/* Ends the listing and frees `w`; `unhashed`: entries whose --hash could not be read. */
static int finish_listing(const RfsContext *ctx, ListFormatWriter *w, uint64_t unhashed)
{
	bool ok = list_format_writer_end(w, rfs_context_stats(ctx));
	list_format_writer_free(w);
	if (!ok)
		return fail(EXIT_PARTIAL, "cannot write the listing: %s", g_strerror(errno));
	return unhashed > 0 ? EXIT_PARTIAL : EXIT_OK;
}

static int list_entries(const char *source, RfsContext *ctx, const ScanSettings *s, bool quiet,
			const GPtrArray *selected)
{
	ListFormatWriter *w = list_format_writer_new(s->format, stdout, quiet);
	list_format_writer_set_hash(w, s->hash_name);
	list_format_writer_begin(w, source, rfs_context_volume(ctx), rfs_context_stats(ctx));
	Progress *bar = s->hash_name != NULL ? progress_new_on(stderr, !quiet && isatty(STDERR_FILENO), "hashing",
							       hash_total_bytes(selected), PROGRESS_BYTES, "")
					     : NULL;
	if (s->hash_name == NULL && list_format_writer_parallel(w)) {
		list_rows_write(ctx, selected, s->common.filters.no_directories, w);
		return finish_listing(ctx, w, 0);
	}
	uint64_t hashed = 0, unhashed = 0;
	g_autoptr(GString) path = g_string_sized_new(256);
	g_autoptr(GString) original = g_string_sized_new(256);
	for (guint i = 0; i < selected->len; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(selected, i);
		bool dir = (e->flags & RFS_ENTRY_DIRECTORY) != 0;
		if (s->common.filters.no_directories && dir)
			continue;
		list_rows_paths(ctx, e, path, original);
		g_autofree char *hash = NULL;
		if (s->hash_name != NULL && !dir && !(e->flags & RFS_ENTRY_GHOST)) { /* a ghost has no data */
			g_autoptr(GError) error = NULL;
			hash = content_hash_entry(ctx, e->id, &s->common.stream, s->hash, bar, &hashed, &error);
			if (hash == NULL) {
				g_autoptr(GString) name = g_string_new(NULL);
				entry_text_escape(name, path->str);
				g_warning("%s: no %s: %s", name->str, s->hash_name, error->message);
				unhashed++;
			}
		}
		ListFormatRow row = {
			.info = e,
			.path = path->str,
			.original_path = original->str,
			.recoverable_percent = rfs_entry_recoverable_percent(e),
			.hash_name = s->hash_name,
			.hash = hash,
		};
		list_format_writer_row(w, &row);
	}
	progress_free(bar);
	return finish_listing(ctx, w, unhashed);
}

static int extract_entries(RfsContext *ctx, const ScanOptions *o, const ScanSettings *s,
			   const GPtrArray *selected)
{
	ExtractOptions opts = { .merge = GIVEN(o, MERGE), .quiet = s->common.quiet,
				.no_directories = s->common.filters.no_directories,
				.no_streams = GIVEN(o, NO_STREAMS), .portable_names = GIVEN(o, PORTABLE_NAMES),
				.stream = s->common.stream };
	ExtractResult result;
	g_autoptr(GError) error = NULL;
	if (!extract_run(ctx, selected, VALUE(o, EXTRACT), &opts, &result, &error))
		return fail(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID) ? EXIT_USAGE : EXIT_TARGET,
			    "%s", error->message);
	if (!s->common.quiet) {
		g_autofree char *summary = extract_summary(&result, VALUE(o, EXTRACT));
		printf("%s\n", summary);
	}
	if (result.target_errno != 0)
		return EXIT_TARGET;
	if (result.source_gone)
		return EXIT_SCAN;
	if (result.failures > 0 || result.damaged_files > 0)
		return EXIT_PARTIAL;
	return extract_result_not_intact(&result) > 0 ? EXIT_NOT_INTACT : EXIT_OK;
}

static int run(const ScanOptions *o, const ScanSettings *s)
{
	const char *source = o->args[0];
	bool quiet = s->common.quiet, info = GIVEN(o, INFO), json = s->format == LIST_FORMAT_JSON;
	const char *extract_dir = VALUE(o, EXTRACT);
	if (GIVEN(o, FIND_VOLUMES))
		return find_volumes_run(source, s->common.location.sector_size, GIVEN(o, FULL), json, quiet);

	g_autoptr(GError) error = NULL;
	if (extract_dir != NULL && !extract_check_dest(extract_dir, GIVEN(o, MERGE), &error))
		return fail(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID) ? EXIT_USAGE : EXIT_TARGET,
			    "%s", error->message);
	static const SourceGuide guide = { .program = "restorefs-scan", .args_after = "" };
	RfsLocation location = s->common.location;
	g_autoptr(RfsContext) ctx = source_guide_open(&guide, source, &location, &error);
	if (ctx != NULL)
		source_guide_check_secrets(source, ctx, common_opts_secret_given(&s->common.secrets));
	/* --info describes a locked volume without a key, so it only unlocks when asked to. */
	bool unlock = !info || common_opts_secret_given(&s->common.secrets);
	if (ctx == NULL || (unlock && !common_opts_unlock(ctx, source, &s->common.secrets, true, &error))) {
		g_autofree char *text = frontend_log_error_text(source, error);
		return fail(EXIT_SOURCE, "%s", text);
	}
	/* A locked volume is described from its header alone; an open one is scanned first,
	 * since the label and the free clusters come from the MFT and $Bitmap. */
	if (info && rfs_context_needs_decryption(ctx))
		return print_info(source, ctx, json);

	ScanProgress progress;
	scan_progress_init(&progress, ctx, !quiet);
	bool scanned = rfs_context_scan(ctx, s->common.scan_flags, scan_progress_callback, &progress, &error);
	scan_progress_clear(&progress);
	if (!scanned && info) {
		/* What the boot sector said is still worth printing. */
		fail(EXIT_SCAN, "%s", error->message);
		print_info(source, ctx, json);
		return EXIT_SCAN;
	}
	if (!scanned)
		return fail(EXIT_SCAN, "%s", error->message);
	if (info)
		return print_info(source, ctx, json);

	g_autoptr(GPtrArray) selected = filters_select(ctx, &s->common.filters);
	if (extract_dir != NULL)
		return extract_entries(ctx, o, s, selected);
	return list_entries(source, ctx, s, quiet, selected);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	static FrontendLog log = { .program = "restorefs-scan" };
	frontend_log_install(&log);
	ScanOptions o = { 0 };
	ScanSettings s = { .common = { .filters = FILTERS_INIT } };
	int code = parse_options(argc, argv, &o);
	if (code < 0)
		code = resolve_settings(&o, &s);
	if (code < 0)
		code = run(&o, &s);
	scan_options_clear(&o);
	option_settings_clear(&s.common);
	return code;
}
