/* Listing writers for restorefs-scan: text table, CSV, JSON and TSK bodyfile.
 *
 * The writers never call into a restore context: the caller resolves paths and the
 * recoverable percentage into a ListFormatRow, so everything here is pure formatting and
 * can be tested on hand-made rows. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "entry_text.h"
#include "restorefs/restorefs.h"

typedef enum {
	LIST_FORMAT_TEXT,
	LIST_FORMAT_CSV,
	LIST_FORMAT_JSON,
	LIST_FORMAT_BODYFILE,
} ListFormatKind;

/* Parses "text", "csv", "json", "bodyfile"; false for anything else. */
bool list_format_kind_parse(const char *name, ListFormatKind *out);

typedef struct {
	const RfsEntryInfo *info;
	const char *path;          /* restorefs tree path, leading '/'              */
	const char *original_path; /* the path on the volume as far as it is known  */
	unsigned recoverable_percent;
	const char *hash_name;     /* "md5" or "sha256" with --hash, else NULL               */
	const char *hash;          /* its hex digest; NULL for a directory or unread content */
} ListFormatRow;

/* ---- pure helpers (also used by the tests) ------------------------------------------------ */

/* "512 B", "1.5 KiB", "3.0 MiB": one decimal, powers of 1024, no locale. */
#define LIST_FORMAT_SIZE_SIZE 24
void list_format_human_size(uint64_t bytes, char out[LIST_FORMAT_SIZE_SIZE]);
/* Appends `field` to `out`, quoted per RFC 4180 when it holds a comma, quote, CR or LF. */
void list_format_csv_field(GString *out, const char *field);
/* "file", "dir" or "stream". */
const char *list_format_type_word(const RfsEntryInfo *info);
/* Flag words ("removed|resident", "live"...) joined by `separator`, appended to `out`: "live"
 * for an entry in use, then entry_text_flags() without directory, stream and synthetic. */
void list_format_flag_words(GString *out, const RfsEntryInfo *info, char separator);
/* The same words written at `p` (LIST_FORMAT_FLAGS_MAX bytes at most, no NUL); returns the
 * end. */
char *list_format_put_flag_words(char *p, const RfsEntryInfo *info, char separator);
#define LIST_FORMAT_FLAGS_MAX (ENTRY_TEXT_FLAGS_MAX + 8) /* bytes they take at most */

/* One CSV line (with '\n') for `row`; list_format_csv_header() is the first line. With a
 * row's hash_name, one more column at the end holds the hash (empty when unknown). */
const char *list_format_csv_header(void);
void list_format_csv_row(GString *out, const ListFormatRow *row);
/* The bodyfile line(s) for `row`: one for the entry and, for a file (not a directory, not
 * a named stream) with known $FILE_NAME times, one more named "... ($FILE_NAME)". The MD5
 * field is the row's md5 hash, or 0. */
void list_format_bodyfile_row(GString *out, const ListFormatRow *row);
/* One text table line, and the header above it. The path is escaped (entry_text_escape()).
 * With a hash (`hash_name` non-NULL; the rows' hash_name), a column before the path. */
void list_format_text_header(GString *out, const char *hash_name);
void list_format_text_row(GString *out, const ListFormatRow *row);
/* The one-line summary of a scan ("1234 deleted files, ...; contents: 1200 intact, 34
 * overwritten; ..."), without '\n'. */
char *list_format_summary(const RfsScanStats *stats, uint64_t listed);

/* ---- streaming writer --------------------------------------------------------------------- */

typedef struct ListFormatWriter ListFormatWriter;

/* Writes to `out` (not closed). The summary line ends the text table on `out`; for CSV and
 * bodyfile it goes to stderr so that `out` stays machine-readable; JSON carries the stats
 * in the document instead. `quiet` drops the summary line. */
ListFormatWriter *list_format_writer_new(ListFormatKind kind, FILE *out, bool quiet);
/* "md5" or "sha256": the rows carry that hash, and the headers name its column. */
void list_format_writer_set_hash(ListFormatWriter *w, const char *hash_name);
void list_format_writer_begin(ListFormatWriter *w, const char *source, const RfsVolumeInfo *volume,
			      const RfsScanStats *stats);
void list_format_writer_row(ListFormatWriter *w, const ListFormatRow *row);
/* Whether rows can be formatted apart, on any thread, with list_format_writer_format() and
 * written in order with list_format_writer_text(): every format but JSON. */
bool list_format_writer_parallel(const ListFormatWriter *w);
void list_format_writer_format(const ListFormatWriter *w, GString *out, const ListFormatRow *row);
/* `rows` rows formatted by list_format_writer_format(), written after those before. */
void list_format_writer_text(ListFormatWriter *w, const GString *text, uint64_t rows);
/* Closes the document and writes the summary; false when `out` reported a write error. */
bool list_format_writer_end(ListFormatWriter *w, const RfsScanStats *stats);
void list_format_writer_free(ListFormatWriter *w);

/* JSON objects for the volume and the stats (also used by --info). */
JsonNode *list_format_volume_json(const char *source, const RfsVolumeInfo *volume);
/* --info's "encryption" object: method, volume_identifier, created (ISO 8601 UTC or null),
 * description, to_go, key_protectors [{type, identifier}]. */
JsonNode *list_format_encryption_json(const RfsEncryptionInfo *encryption);
