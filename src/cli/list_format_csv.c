/* The CSV listing of restorefs-scan: RFC 4180 rows, written through a cursor because a
 * listing writes millions of fields. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "list_format.h"

#include <string.h>

const char *list_format_csv_header(void)
{
	return "path,mft_record,sequence,stream,type,size,allocated,clusters,clusters_in_use,"
	       "recoverable,flags,attributes,created,modified,accessed,mft_changed,original_path,state,"
	       "deleted,path_source,snapshot\n";
}

/* A CSV row is written through a cursor into room reserved in the line for its longest
 * possible form, without a check per field: listings write millions of fields. */
static char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* Room a field can take quoted: every byte doubled, and the quotes. */
static size_t csv_room(const char *field)
{
	return field != NULL ? 2 * strlen(field) + 2 : 0;
}

static char *put_csv(char *p, const char *field)
{
	if (field == NULL)
		return p;
	size_t plain = strcspn(field, ",\"\r\n");
	if (field[plain] == '\0')
		return put(p, field, plain);
	*p++ = '"';
	for (const char *f = field; *f != '\0'; f++) {
		if (*f == '"')
			*p++ = '"';
		*p++ = *f;
	}
	*p++ = '"';
	return p;
}

static char *put_word(char *p, const char *word)
{
	return put(p, word, strlen(word));
}

static char *put_time(char *p, int64_t filetime)
{
	*p++ = ',';
	return entry_text_put_filetime_iso(p, filetime);
}

/* Makes room for `room` more bytes at the end of `out`; returns where they start. */
static char *reserve(GString *out, size_t room)
{
	gsize start = out->len;
	if (start + room >= out->allocated_len) {
		g_string_set_size(out, start + room);
		g_string_truncate(out, start);
	}
	return out->str + start;
}

/* Ends `out` at the cursor `p` of a reserve(). */
static void commit(GString *out, char *p)
{
	out->len = (gsize)(p - out->str);
	out->str[out->len] = '\0';
}

void list_format_csv_field(GString *out, const char *field)
{
	commit(out, put_csv(reserve(out, csv_room(field)), field));
}

void list_format_csv_row(GString *out, const ListFormatRow *row)
{
	const RfsEntryInfo *e = row->info;
	static const char hex[] = "0123456789abcdef";
	/* fixed columns: 6 numbers, the type, "live|" and flags, attributes, 5 times, state,
	 * path source, snapshot, commas */
	size_t room = csv_room(row->path) + csv_room(e->stream_name) + csv_room(row->original_path) +
		      (row->hash != NULL ? strlen(row->hash) : 0) + LIST_FORMAT_FLAGS_MAX +
		      5 * ENTRY_TEXT_ISO_SIZE + 512;
	char *p = reserve(out, room);
	p = put_csv(p, row->path);
	*p++ = ',';
	p = entry_text_put_u64(p, e->mft_record);
	*p++ = ',';
	p = entry_text_put_u64(p, e->sequence);
	*p++ = ',';
	p = put_csv(p, e->stream_name);
	*p++ = ',';
	p = put_word(p, list_format_type_word(e));
	const uint64_t numbers[] = { e->size_bytes, e->allocated_bytes, e->clusters, e->clusters_in_use,
				     row->recoverable_percent };
	for (size_t i = 0; i < G_N_ELEMENTS(numbers); i++) {
		*p++ = ',';
		p = entry_text_put_u64(p, numbers[i]);
	}
	*p++ = ',';
	p = list_format_put_flag_words(p, e, '|');
	p = put(p, ",0x", 3);
	for (int shift = 28; shift >= 0; shift -= 4)
		*p++ = hex[(e->attributes >> shift) & 0xF];
	p = put_time(p, e->times.creation);
	p = put_time(p, e->times.last_write);
	p = put_time(p, e->times.last_access);
	p = put_time(p, e->times.mft_change);
	*p++ = ',';
	p = put_csv(p, row->original_path);
	*p++ = ',';
	p = put_word(p, rfs_entry_state_name(rfs_entry_state(e)));
	p = put_time(p, e->deleted_time);
	*p++ = ',';
	p = put_word(p, rfs_path_source_name((RfsPathSource)e->path_source));
	*p++ = ',';
	if (e->snapshot != 0)
		p = entry_text_put_u64(p, e->snapshot);
	if (row->hash_name != NULL) {
		*p++ = ',';
		if (row->hash != NULL)
			p = put_word(p, row->hash);
	}
	*p++ = '\n';
	commit(out, p);
}
