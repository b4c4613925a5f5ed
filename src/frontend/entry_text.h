/* Entry times, flags, states and names as text, the same in restorefs-scan's listings and
 * messages and in restorefs's summary line and user.restorefs.* extended attributes. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "restorefs/restorefs.h"

/* "2026-11-24T02:49:45.1234567Z" (28 chars + NUL, more for years past 9999); "" for
 * FILETIME 0. */
#define ENTRY_TEXT_ISO_SIZE 40
void entry_text_filetime_iso(int64_t filetime, char out[ENTRY_TEXT_ISO_SIZE]);
/* The same without the NUL, written at `out`; returns the end. A thread's last time is kept:
 * an entry's four times are often one. */
char *entry_text_put_filetime_iso(char *out, int64_t filetime);
/* The same cut to whole seconds with a space for the T, "2026-11-24 02:49:45", for people;
 * "" for FILETIME 0. */
void entry_text_filetime_short(int64_t filetime, char out[ENTRY_TEXT_ISO_SIZE]);
/* A time a user typed, as a FILETIME: ISO 8601 ("2026-11-24T02:49:45Z", with a fraction or
 * a zone offset such as +01:00; without a zone it is UTC), the same with a space for the T,
 * or a date alone ("2026-11-24", its midnight UTC). False for anything else, and for times
 * before 1601 (FILETIME 0) or past 9999. */
bool entry_text_parse_time(const char *text, int64_t *filetime);
/* Appends v in decimal (printf-free: listings write millions of numbers). */
void entry_text_append_u64(GString *out, uint64_t v);
/* The same written at `out` (20 bytes at most, no NUL); returns the end. */
char *entry_text_put_u64(char *out, uint64_t v);

/* g_string_append_len() and g_string_append() without a call where `out` has the room: the
 * fields of listing rows. */
static inline void entry_text_append_len(GString *out, const char *s, size_t n)
{
	if (G_UNLIKELY(out->len + n >= out->allocated_len)) {
		g_string_append_len(out, s, (gssize)n);
		return;
	}
	memcpy(out->str + out->len, s, n);
	out->len += n;
	out->str[out->len] = '\0';
}

static inline void entry_text_append(GString *out, const char *s)
{
	entry_text_append_len(out, s, strlen(s));
}
/* Whole Unix seconds (floor) of a FILETIME; 0 for FILETIME 0. */
int64_t entry_text_filetime_unix(int64_t filetime);
/* A size as both tools print it: "512 B" below 1 KiB, else one decimal in IEC units
 * ("1.5 KiB", "9.2 MiB", "3.0 GiB"), rounded half up. */
#define ENTRY_TEXT_SIZE_SIZE 24
void entry_text_size(uint64_t bytes, char out[ENTRY_TEXT_SIZE_SIZE]);
/* `singular` when count is 1, else `plural`. */
const char *entry_text_plural(uint64_t count, const char *singular, const char *plural);
/* Appends "1 directory" / "2 directories": count, a space and the word that fits it. */
void entry_text_count(GString *out, uint64_t count, const char *singular, const char *plural);

/* Appends the words of the RfsEntryFlags set in `flags` ("directory", "removed", "orphan",
 * "stream", "synthetic", "compressed", "sparse", "encrypted", "incomplete", "resident",
 * "ghost", in that order), `separator` between them; nothing when none is set. */
void entry_text_flags(GString *out, uint32_t flags, char separator);
/* The same written at `out` without a NUL (at most ENTRY_TEXT_FLAGS_MAX bytes); returns
 * the end. */
#define ENTRY_TEXT_FLAGS_MAX 128
char *entry_text_put_flags(char *out, uint32_t flags, char separator);

/* The words a user reads for a state: "intact", "partly overwritten", "overwritten",
 * "incomplete" (part of its location is lost), "possibly overwritten" (contested). */
const char *entry_text_state_words(RfsEntryState state);
/* Appends "12 intact, 3 partly overwritten, 1 overwritten": the intact count always, every
 * other state only when its count is not zero, in RfsEntryState order. */
void entry_text_state_counts(GString *out, const uint64_t counts[RFS_STATE_COUNT]);

/* Appends `text` (a name read from disk, or a message holding one) so that a terminal shows
 * it and acts on none of it, as `ls -b` does: a backslash becomes "\\", \a \b \t \n \v \f
 * \r their C escapes, every other control character (C0, DEL, C1) and every byte that is not
 * UTF-8 a three-digit octal escape per byte ("\033" for ESC). Everything else, UTF-8
 * included, is copied as it is. */
void entry_text_escape(GString *out, const char *text);
