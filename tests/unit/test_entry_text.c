/* src/frontend/entry_text.c: FILETIMEs as ISO 8601 and Unix seconds, and the words of the
 * entry flags, as restorefs-scan's listings and restorefs's extended attributes show them. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "entry_sample.h"
#include "entry_text.h"

Test(entry_text, iso_time_has_seven_digits)
{
	char iso[ENTRY_TEXT_ISO_SIZE];
	entry_text_filetime_iso(FT_SAMPLE, iso);
	cr_assert_str_eq(iso, "2026-11-24T02:49:45.1234567Z");
	entry_text_filetime_iso(0, iso);
	cr_assert_str_eq(iso, "");
	entry_text_filetime_iso(1, iso);
	cr_assert_str_eq(iso, "1601-01-01T00:00:00.0000001Z");
	entry_text_filetime_iso(INT64_C(116444736000000000), iso);
	cr_assert_str_eq(iso, "1970-01-01T00:00:00.0000000Z");
	/* 2000-02-29 (leap day) 23:59:59.9999999 */
	entry_text_filetime_iso((INT64_C(951868799) + INT64_C(11644473600)) * 10000000 + 9999999, iso);
	cr_assert_str_eq(iso, "2000-02-29T23:59:59.9999999Z");
	entry_text_filetime_iso(INT64_MAX, iso);
	cr_assert_str_eq(iso, "30828-09-14T02:48:05.4775807Z");
	cr_assert_eq(entry_text_filetime_unix(FT_SAMPLE), INT64_C(1795488585));
	cr_assert_eq(entry_text_filetime_unix(0), 0);
	cr_assert_eq(entry_text_filetime_unix(1), -INT64_C(11644473600));
}

Test(entry_text, short_time_and_typed_times)
{
	char text[ENTRY_TEXT_ISO_SIZE];
	entry_text_filetime_short(FT_SAMPLE, text);
	cr_assert_str_eq(text, "2026-11-24 02:49:45");
	entry_text_filetime_short(0, text);
	cr_assert_str_eq(text, "");
	entry_text_filetime_short(INT64_MAX, text);
	cr_assert_str_eq(text, "30828-09-14 02:48:05");

	const int64_t whole = FT_SAMPLE - 1234567, midnight = whole - (2 * 3600 + 49 * 60 + 45) * INT64_C(10000000);
	static const struct {
		const char *text;
		bool ok;
	} cases[] = {
		{ "2026-11-24T02:49:45Z", true },   { "2026-11-24T02:49:45", true },
		{ "2026-11-24 02:49:45", true },    { "2026-11-24T03:49:45+01:00", true },
		{ "2026-11-24T02:49:45.1234567Z", true }, { "2026-11-24", true },
		{ "", false }, { "yesterday", false }, { "2026-13-01", false }, { "2026-11-24T25:00", false },
		{ "1600-12-31", false },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int64_t ft = -1;
		cr_assert_eq(entry_text_parse_time(cases[i].text, &ft), cases[i].ok, "%s", cases[i].text);
		if (!cases[i].ok)
			continue;
		int64_t want = strlen(cases[i].text) == 10 ? midnight : whole;
		if (strstr(cases[i].text, ".123") != NULL)
			want = FT_SAMPLE - 7; /* GDateTime keeps microseconds */
		cr_assert_eq(ft, want, "%s: %" PRId64 " != %" PRId64, cases[i].text, ft, want);
	}
}

Test(entry_text, flags_in_order)
{
	/* the words and order restorefs's user.restorefs.flags shows */
	g_autoptr(GString) words = g_string_new(NULL);
	entry_text_flags(words, RFS_ENTRY_DIRECTORY | RFS_ENTRY_REMOVED | RFS_ENTRY_ORPHAN |
				       RFS_ENTRY_SYNTHETIC | RFS_ENTRY_INCOMPLETE,
			 ',');
	cr_assert_str_eq(words->str, "directory,removed,orphan,synthetic,incomplete");
	g_string_truncate(words, 0);
	entry_text_flags(words, 0, ',');
	cr_assert_str_eq(words->str, "");
}

Test(entry_text, escape_like_ls_b)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain name.txt", "plain name.txt" },
		{ "", "" },
		{ "a\nb", "a\\nb" },
		{ "\a\b\t\n\v\f\r", "\\a\\b\\t\\n\\v\\f\\r" },
		{ "\033]0;title\007", "\\033]0;title\\a" },
		{ "\x01\x1f\x7f", "\\001\\037\\177" },
		{ "back\\slash", "back\\\\slash" },
		{ "\xc2\x9b" "1m", "\\302\\2331m" },                   /* C1 CSI */
		{ "\xc2\xa0\xe6\x97\xa5\xf0\x9f\x98\x80", "\xc2\xa0\xe6\x97\xa5\xf0\x9f\x98\x80" }, /* UTF-8 */
		{ "bad\xe6\x97", "bad\\346\\227" },                   /* cut UTF-8 */
		{ "\xff", "\\377" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) s = g_string_new(NULL);
		entry_text_escape(s, cases[i].in);
		cr_assert_str_eq(s->str, cases[i].out, "case %zu", i);
	}
}

Test(entry_text, state_counts_name_only_what_is_there)
{
	uint64_t counts[RFS_STATE_COUNT] = { 0 };
	g_autoptr(GString) s = g_string_new(NULL);
	entry_text_state_counts(s, counts);
	cr_assert_str_eq(s->str, "0 intact");
	counts[RFS_STATE_INTACT] = 25;
	counts[RFS_STATE_PARTLY_OVERWRITTEN] = 2;
	counts[RFS_STATE_INCOMPLETE] = 1;
	g_string_truncate(s, 0);
	entry_text_state_counts(s, counts);
	cr_assert_str_eq(s->str, "25 intact, 2 partly overwritten, 1 incomplete");
	cr_assert_str_eq(entry_text_state_words(RFS_STATE_CONTESTED), "possibly overwritten");
	cr_assert_str_eq(entry_text_state_words((RfsEntryState)99), "unknown");
}

Test(entry_text, sizes_in_iec_units)
{
	static const struct { uint64_t bytes; const char *want; } cases[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" }, { 1536, "1.5 KiB" },
		{ 9646899, "9.2 MiB" }, { 1048575, "1024.0 KiB" }, { 3ull << 30, "3.0 GiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[ENTRY_TEXT_SIZE_SIZE];
		entry_text_size(cases[i].bytes, out);
		cr_assert_str_eq(out, cases[i].want, "%" G_GUINT64_FORMAT, cases[i].bytes);
	}
}

Test(entry_text, counts_take_the_right_word)
{
	g_autoptr(GString) out = g_string_new(NULL);
	entry_text_count(out, 1, "directory", "directories");
	g_string_append(out, ", ");
	entry_text_count(out, 0, "directory", "directories");
	g_string_append(out, ", ");
	entry_text_count(out, 2, "file", "files");
	cr_assert_str_eq(out->str, "1 directory, 0 directories, 2 files");
}
