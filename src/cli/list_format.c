/* The listing formats of restorefs-scan. Pure formatting over ListFormatRow: no context
 * calls and no I/O except through the writer's FILE. JSON goes through json-glib, one
 * generated object per entry, so a large volume is never held as one document. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "list_format.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

/* ---- words ----------------------------------------------------------------------------------- */

bool list_format_kind_parse(const char *name, ListFormatKind *out)
{
	static const char *const names[] = { "text", "csv", "json", "bodyfile" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_ascii_strcasecmp(name, names[i]) == 0) {
			*out = (ListFormatKind)i;
			return true;
		}
	}
	return false;
}

const char *list_format_type_word(const RfsEntryInfo *info)
{
	if (info->flags & RFS_ENTRY_STREAM)
		return "stream";
	if (info->flags & RFS_ENTRY_GHOST)
		return "ghost";
	return (info->flags & RFS_ENTRY_DIRECTORY) ? "dir" : "file";
}

char *list_format_put_flag_words(char *p, const RfsEntryInfo *info, char separator)
{
	/* the type column already says directory, stream or ghost, and synthetic entries are dirs */
	const uint32_t shown = ~(uint32_t)(RFS_ENTRY_DIRECTORY | RFS_ENTRY_STREAM | RFS_ENTRY_SYNTHETIC |
					   RFS_ENTRY_GHOST);
	if (!(info->flags & RFS_ENTRY_REMOVED)) {
		memcpy(p, "live", 4);
		p += 4;
		if ((info->flags & shown) != 0)
			*p++ = separator;
	}
	return entry_text_put_flags(p, info->flags & shown, separator);
}

void list_format_flag_words(GString *out, const RfsEntryInfo *info, char separator)
{
	char words[LIST_FORMAT_FLAGS_MAX];
	g_string_append_len(out, words, list_format_put_flag_words(words, info, separator) - words);
}

/* ---- bodyfile -------------------------------------------------------------------------------- */

/* mactime splits on '|' and reads lines: such bytes in a name become '^', as fls does for
 * control characters. */
static void bodyfile_name(GString *out, const char *name)
{
	for (const char *p = name; *p != '\0'; p++)
		g_string_append_c(out, (*p == '|' || g_ascii_iscntrl(*p)) ? '^' : *p);
}

static void bodyfile_line(GString *out, const ListFormatRow *row, const RfsTimes *t, bool fn_line)
{
	const RfsEntryInfo *e = row->info;
	bool dir = (e->flags & RFS_ENTRY_DIRECTORY) != 0;
	/* FILE_ATTRIBUTE_READONLY (0x1) takes the write bits away, as TSK shows NTFS modes. */
	bool read_only = (e->attributes & 0x1) != 0;
	bool md5 = row->hash != NULL && row->hash_name != NULL && strcmp(row->hash_name, "md5") == 0;
	g_string_append(out, md5 ? row->hash : "0");
	g_string_append_c(out, '|');
	bodyfile_name(out, row->path);
	if (fn_line)
		g_string_append(out, " ($FILE_NAME)");
	if (e->flags & RFS_ENTRY_REMOVED)
		g_string_append(out, " (deleted)");
	/* A ghost: a name, size and times from an index entry; no data. No permissions. */
	bool ghost = (e->flags & RFS_ENTRY_GHOST) != 0;
	if (ghost)
		g_string_append(out, " (ghost)");
	g_string_append_printf(out, "|%" PRIu64 "-%u|%s/%s%s|0|0|%" PRIu64, e->mft_record,
			       (unsigned)e->sequence, dir ? "d" : "r", dir ? "d" : "r",
			       ghost ? "---------" : read_only ? "r-xr-xr-x" : "rwxrwxrwx", e->size_bytes);
	g_string_append_printf(out, "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "\n",
			       entry_text_filetime_unix(t->last_access),
			       entry_text_filetime_unix(t->last_write),
			       entry_text_filetime_unix(t->mft_change),
			       entry_text_filetime_unix(t->creation));
}

void list_format_bodyfile_row(GString *out, const ListFormatRow *row)
{
	const RfsEntryInfo *e = row->info;
	bodyfile_line(out, row, &e->times, false);
	const RfsTimes *fn = &e->fn_times;
	bool fn_known = fn->creation != 0 || fn->last_write != 0 || fn->last_access != 0 ||
			fn->mft_change != 0;
	if (fn_known && !(e->flags & (RFS_ENTRY_DIRECTORY | RFS_ENTRY_STREAM)))
		bodyfile_line(out, row, fn, true);
}

/* ---- text ------------------------------------------------------------------------------------ */

void list_format_human_size(uint64_t bytes, char out[LIST_FORMAT_SIZE_SIZE])
{
	G_STATIC_ASSERT(LIST_FORMAT_SIZE_SIZE >= ENTRY_TEXT_SIZE_SIZE);
	entry_text_size(bytes, out); /* the same in both tools */
}

/* Hex digits of a hash: the width of the text column. */
static int hash_width(const char *hash_name)
{
	return strcmp(hash_name, "md5") == 0 ? 32 : 64;
}

void list_format_text_header(GString *out, const char *hash_name)
{
	g_string_append_printf(out, "%5s  %10s  %-19s  ", "RECOV", "SIZE", "MODIFIED (UTC)");
	if (hash_name != NULL) {
		g_autofree char *title = g_ascii_strup(hash_name, -1);
		g_string_append_printf(out, "%-*s  ", hash_width(hash_name), title);
	}
	g_string_append(out, "PATH\n");
}

void list_format_text_row(GString *out, const ListFormatRow *row)
{
	const RfsEntryInfo *e = row->info;
	char iso[ENTRY_TEXT_ISO_SIZE];
	entry_text_filetime_short(e->times.last_write, iso); /* seconds are enough for a human */
	if (iso[0] == '\0')
		g_strlcpy(iso, "-", sizeof iso);
	bool dir = (e->flags & RFS_ENTRY_DIRECTORY) != 0;
	char size[LIST_FORMAT_SIZE_SIZE];
	if (dir)
		g_strlcpy(size, "<dir>", sizeof size);
	else
		list_format_human_size(e->size_bytes, size);
	/* A shadow copy's file is gone from the live volume, whatever its state in the copy. */
	if (!(e->flags & (RFS_ENTRY_REMOVED | RFS_ENTRY_SNAPSHOT)))
		g_string_append_printf(out, "%5s", "live");
	else if (e->flags & RFS_ENTRY_GHOST)
		g_string_append_printf(out, "%5s", "ghost"); /* a name only: nothing to recover */
	else if (dir)
		g_string_append_printf(out, "%5s", "-");
	else
		g_string_append_printf(out, "%4u%%", row->recoverable_percent);
	g_string_append_printf(out, "  %10s  %-19s  ", size, iso);
	if (row->hash_name != NULL)
		g_string_append_printf(out, "%-*s  ", hash_width(row->hash_name), row->hash != NULL ? row->hash : "-");
	entry_text_escape(out, row->path); /* names come from the disk: nothing a terminal obeys */
	if (dir)
		g_string_append_c(out, '/');
	if (e->deleted_time != 0) { /* known from the change journal only: most rows have none */
		entry_text_filetime_short(e->deleted_time, iso);
		g_string_append_printf(out, "  (deleted %s)", iso);
	}
	g_string_append_c(out, '\n');
}

char *list_format_summary(const RfsScanStats *s, uint64_t listed)
{
	char bytes[LIST_FORMAT_SIZE_SIZE];
	list_format_human_size(s->deleted_bytes, bytes);
	GString *out = g_string_new(NULL);
	entry_text_count(out, s->deleted_files, "deleted file", "deleted files");
	g_string_append(out, ", ");
	entry_text_count(out, s->deleted_dirs, "directory", "directories");
	g_string_append(out, ", ");
	entry_text_count(out, s->deleted_streams, "stream", "streams");
	g_string_append_printf(out, " (%s), ", bytes);
	entry_text_count(out, s->orphans, "orphan", "orphans");
	g_string_append(out, "; contents: ");
	entry_text_state_counts(out, s->by_state);
	g_string_append_printf(out, "; %" PRIu64 " MFT records, %" PRIu64 " damaged", s->records_total,
			       s->records_damaged);
	if (s->live_files > 0) {
		g_string_append(out, "; ");
		entry_text_count(out, s->live_files, "live file", "live files");
	}
	if (s->swept_bytes > 0) {
		g_string_append(out, "; ");
		entry_text_count(out, s->carved_records, "FILE record carved", "FILE records carved");
	}
	if (s->paths_from_traces > 0) {
		g_string_append(out, "; ");
		entry_text_count(out, s->paths_from_traces, "path from index entries", "paths from index entries");
	}
	if (s->ghosts > 0) {
		g_string_append(out, "; ");
		entry_text_count(out, s->ghosts, "ghost (name only, no data)", "ghosts (names only, no data)");
	}
	if (s->snapshot_files > 0) {
		g_string_append(out, "; ");
		entry_text_count(out, s->snapshot_files, "file from shadow copies", "files from shadow copies");
	}
	g_string_append_printf(out, "; %" PRIu64 " listed", listed);
	return g_string_free(out, FALSE);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void json_time(JsonBuilder *b, const char *key, int64_t filetime)
{
	char iso[ENTRY_TEXT_ISO_SIZE];
	entry_text_filetime_iso(filetime, iso);
	json_builder_set_member_name(b, key);
	if (iso[0] != '\0')
		json_builder_add_string_value(b, iso);
	else
		json_builder_add_null_value(b);
}

static void json_times(JsonBuilder *b, const RfsTimes *t)
{
	json_time(b, "created", t->creation);
	json_time(b, "modified", t->last_write);
	json_time(b, "accessed", t->last_access);
	json_time(b, "mft_changed", t->mft_change);
}

static void json_int(JsonBuilder *b, const char *key, uint64_t v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, (gint64)v);
}

static void json_bool(JsonBuilder *b, const char *key, bool v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_boolean_value(b, v);
}

static void json_string(JsonBuilder *b, const char *key, const char *v)
{
	json_builder_set_member_name(b, key);
	if (v != NULL)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

static JsonNode *entry_json(const ListFormatRow *row)
{
	const RfsEntryInfo *e = row->info;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_string(b, "path", row->path);
	json_int(b, "mft_record", e->mft_record);
	json_int(b, "sequence", e->sequence);
	json_string(b, "stream", e->stream_name);
	json_string(b, "type", list_format_type_word(e));
	json_int(b, "size", e->size_bytes);
	json_int(b, "allocated", e->allocated_bytes);
	json_int(b, "clusters", e->clusters);
	json_int(b, "clusters_in_use", e->clusters_in_use);
	json_int(b, "recoverable", row->recoverable_percent);
	json_builder_set_member_name(b, "flags");
	json_builder_begin_array(b);
	g_autoptr(GString) words = g_string_new(NULL);
	list_format_flag_words(words, e, '\n');
	g_auto(GStrv) split = g_strsplit(words->str, "\n", -1);
	for (char **w = split; *w != NULL; w++) {
		if (**w != '\0')
			json_builder_add_string_value(b, *w);
	}
	json_builder_end_array(b);
	json_int(b, "attributes", e->attributes);
	json_times(b, &e->times);
	json_string(b, "original_path", row->original_path);
	json_builder_set_member_name(b, "fn_times");
	json_builder_begin_object(b);
	json_times(b, &e->fn_times);
	json_builder_end_object(b);
	json_string(b, "state", rfs_entry_state_name(rfs_entry_state(e)));
	json_time(b, "deleted", e->deleted_time);
	json_string(b, "path_source", rfs_path_source_name((RfsPathSource)e->path_source));
	json_builder_set_member_name(b, "snapshot"); /* null for the volume itself */
	if (e->snapshot != 0)
		json_builder_add_int_value(b, e->snapshot);
	else
		json_builder_add_null_value(b);
	if (row->hash_name != NULL)
		json_string(b, row->hash_name, row->hash); /* null for a directory or unread data */
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

JsonNode *list_format_volume_json(const char *source, const RfsVolumeInfo *v)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_string(b, "source", source);
	json_int(b, "sector_size", v->sector_size);
	json_int(b, "cluster_size", v->cluster_size);
	json_int(b, "mft_record_size", v->mft_record_size);
	json_int(b, "total_clusters", v->total_clusters);
	json_int(b, "free_clusters", v->free_clusters);
	/* 64 random bits: a string, since JSON readers often hold numbers as doubles. */
	g_autofree char *serial = g_strdup_printf("%016" PRIX64, v->serial);
	json_string(b, "serial", serial);
	json_int(b, "offset_bytes", v->offset_bytes);
	json_int(b, "size_bytes", v->size_bytes);
	json_string(b, "label", v->label != NULL ? v->label : "");
	json_bool(b, "encrypted", v->encrypted);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

JsonNode *list_format_encryption_json(const RfsEncryptionInfo *e)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_string(b, "method", e->method);
	json_string(b, "volume_identifier", e->volume_identifier);
	json_time(b, "created", e->creation_time);
	json_string(b, "description", e->description);
	json_bool(b, "to_go", e->to_go);
	json_builder_set_member_name(b, "key_protectors");
	json_builder_begin_array(b);
	for (size_t i = 0; i < e->protector_count; i++) {
		json_builder_begin_object(b);
		json_string(b, "type", e->protectors[i].type);
		json_string(b, "identifier", e->protectors[i].identifier);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static JsonNode *stats_json(const RfsScanStats *s)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_int(b, "records_total", s->records_total);
	json_int(b, "records_damaged", s->records_damaged);
	json_int(b, "deleted_files", s->deleted_files);
	json_int(b, "deleted_dirs", s->deleted_dirs);
	json_int(b, "deleted_streams", s->deleted_streams);
	json_int(b, "orphans", s->orphans);
	json_int(b, "deleted_bytes", s->deleted_bytes);
	json_int(b, "live_files", s->live_files);
	json_int(b, "usn_records", s->usn_records);
	json_int(b, "carved_records", s->carved_records);
	json_int(b, "swept_bytes", s->swept_bytes);
	json_int(b, "ghosts", s->ghosts);
	json_int(b, "paths_from_traces", s->paths_from_traces);
	json_builder_set_member_name(b, "by_state"); /* deleted files and streams */
	json_builder_begin_object(b);
	for (unsigned i = 0; i < RFS_STATE_COUNT; i++)
		json_int(b, rfs_entry_state_name((RfsEntryState)i), s->by_state[i]);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* ---- writer ---------------------------------------------------------------------------------- */

struct ListFormatWriter {
	ListFormatKind kind;
	FILE *out;
	bool quiet;
	const char *hash_name;
	uint64_t rows;
	GString *line;        /* rows not yet written */
	size_t flush_at;      /* write `line` out once it holds this much */
	JsonGenerator *gen;
};

enum { ROWS_BUFFER_BYTES = 64 * 1024 };

ListFormatWriter *list_format_writer_new(ListFormatKind kind, FILE *out, bool quiet)
{
	ListFormatWriter *w = g_new0(ListFormatWriter, 1);
	w->kind = kind;
	w->out = out;
	w->quiet = quiet;
	/* Rows go out in large writes; to a terminal, one by one as they come (--hash is slow). */
	w->flush_at = isatty(fileno(out)) ? 1 : ROWS_BUFFER_BYTES;
	w->line = g_string_sized_new(w->flush_at + 4096);
	if (kind == LIST_FORMAT_JSON)
		w->gen = json_generator_new();
	return w;
}

void list_format_writer_set_hash(ListFormatWriter *w, const char *hash_name)
{
	w->hash_name = hash_name;
}

static void write_json_node(ListFormatWriter *w, JsonNode *node)
{
	json_generator_set_root(w->gen, node);
	gsize length = 0;
	g_autofree char *text = json_generator_to_data(w->gen, &length);
	fwrite(text, 1, length, w->out);
	json_node_unref(node);
}

void list_format_writer_begin(ListFormatWriter *w, const char *source, const RfsVolumeInfo *volume,
			      const RfsScanStats *stats)
{
	switch (w->kind) {
	case LIST_FORMAT_TEXT:
		g_string_truncate(w->line, 0);
		list_format_text_header(w->line, w->hash_name);
		fputs(w->line->str, w->out);
		break;
	case LIST_FORMAT_CSV:
		if (w->hash_name == NULL) {
			fputs(list_format_csv_header(), w->out);
			break;
		}
		g_string_assign(w->line, list_format_csv_header());
		g_string_truncate(w->line, w->line->len - 1); /* the '\n' */
		g_string_append_printf(w->line, ",%s\n", w->hash_name);
		fputs(w->line->str, w->out);
		break;
	case LIST_FORMAT_JSON:
		/* The document is written by hand around json-glib objects, one entry a line. */
		fputs("{\"volume\": ", w->out);
		write_json_node(w, list_format_volume_json(source, volume));
		fputs(",\n\"stats\": ", w->out);
		write_json_node(w, stats_json(stats));
		fputs(",\n\"entries\": [", w->out);
		break;
	case LIST_FORMAT_BODYFILE:
		break;
	}
	g_string_truncate(w->line, 0);
}

static void flush_rows(ListFormatWriter *w)
{
	fwrite(w->line->str, 1, w->line->len, w->out);
	g_string_truncate(w->line, 0);
}

bool list_format_writer_parallel(const ListFormatWriter *w)
{
	return w->kind != LIST_FORMAT_JSON;
}

void list_format_writer_format(const ListFormatWriter *w, GString *out, const ListFormatRow *row)
{
	switch (w->kind) {
	case LIST_FORMAT_TEXT:
		list_format_text_row(out, row);
		break;
	case LIST_FORMAT_CSV:
		list_format_csv_row(out, row);
		break;
	case LIST_FORMAT_BODYFILE:
		list_format_bodyfile_row(out, row);
		break;
	case LIST_FORMAT_JSON:
		g_assert_not_reached();
	}
}

void list_format_writer_text(ListFormatWriter *w, const GString *text, uint64_t rows)
{
	flush_rows(w);
	fwrite(text->str, 1, text->len, w->out);
	w->rows += rows;
}

void list_format_writer_row(ListFormatWriter *w, const ListFormatRow *row)
{
	if (w->kind == LIST_FORMAT_JSON) {
		fputs(w->rows > 0 ? ",\n  " : "\n  ", w->out);
		write_json_node(w, entry_json(row));
	} else {
		list_format_writer_format(w, w->line, row);
	}
	if (w->line->len >= w->flush_at)
		flush_rows(w);
	w->rows++;
}

bool list_format_writer_end(ListFormatWriter *w, const RfsScanStats *stats)
{
	g_autofree char *summary = list_format_summary(stats, w->rows);
	flush_rows(w);
	switch (w->kind) {
	case LIST_FORMAT_TEXT:
		if (!w->quiet)
			fprintf(w->out, "%s\n", summary);
		break;
	case LIST_FORMAT_JSON:
		fputs(w->rows > 0 ? "\n]}\n" : "]}\n", w->out);
		break;
	case LIST_FORMAT_CSV:
	case LIST_FORMAT_BODYFILE:
		if (!w->quiet)
			fprintf(stderr, "%s\n", summary);
		break;
	}
	return fflush(w->out) == 0 && !ferror(w->out);
}

void list_format_writer_free(ListFormatWriter *w)
{
	if (w == NULL)
		return;
	g_string_free(w->line, TRUE);
	g_clear_object(&w->gen);
	g_free(w);
}
