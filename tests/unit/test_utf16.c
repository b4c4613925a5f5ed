/* utf16_to_utf8_name and utf16_from_utf8: BMP and astral characters, unpaired surrogates,
 * the characters no Linux name may hold, and round trips. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/utf16.h"

/* UTF-16LE bytes of the given code units. */
static uint8_t *le_units(const uint16_t *units, size_t n)
{
	uint8_t *p = g_malloc(n ? 2 * n : 1);
	for (size_t i = 0; i < n; i++)
		le16_put(p + 2 * i, units[i]);
	return p;
}

static void expect_name(const uint16_t *units, size_t n, const char *utf8)
{
	g_autofree uint8_t *raw = le_units(units, n);
	g_autofree char *name = utf16_to_utf8_name(raw, n);
	cr_assert_str_eq(name, utf8);
	cr_assert(g_utf8_validate(name, -1, NULL));
}

Test(utf16, ascii_and_bmp)
{
	static const uint16_t ascii[] = { 'a', '.', 't', 'x', 't' };
	static const uint16_t bmp[] = { 0x00E9, 0x4E2D, 0x0416, 0xFFFC };
	expect_name(ascii, G_N_ELEMENTS(ascii), "a.txt");
	expect_name(bmp, G_N_ELEMENTS(bmp), "\xC3\xA9\xE4\xB8\xAD\xD0\x96\xEF\xBF\xBC");
	expect_name(NULL, 0, "");
}

Test(utf16, surrogate_pairs)
{
	static const uint16_t emoji[] = { 'x', 0xD83D, 0xDE00, 'y' }; /* U+1F600 */
	static const uint16_t top[] = { 0xDBFF, 0xDFFF };            /* U+10FFFF */
	expect_name(emoji, G_N_ELEMENTS(emoji), "x\xF0\x9F\x98\x80y");
	expect_name(top, G_N_ELEMENTS(top), "\xF4\x8F\xBF\xBF");
}

Test(utf16, unpaired_surrogates_become_replacement)
{
	static const uint16_t high_end[] = { 'a', 0xD800 };
	static const uint16_t low_alone[] = { 0xDC00, 'b' };
	static const uint16_t high_then_char[] = { 0xD83D, 'c' };
	static const uint16_t two_highs[] = { 0xD83D, 0xD83D, 0xDE00 };
	static const uint16_t reversed[] = { 0xDE00, 0xD83D };
	expect_name(high_end, 2, "a\xEF\xBF\xBD");
	expect_name(low_alone, 2, "\xEF\xBF\xBD" "b");
	expect_name(high_then_char, 2, "\xEF\xBF\xBD" "c");
	expect_name(two_highs, 3, "\xEF\xBF\xBD\xF0\x9F\x98\x80");
	expect_name(reversed, 2, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

Test(utf16, slash_and_nul_are_replaced)
{
	static const uint16_t units[] = { 'a', '/', 'b', 0, 'c' };
	g_autofree uint8_t *raw = le_units(units, G_N_ELEMENTS(units));
	g_autofree char *name = utf16_to_utf8_name(raw, G_N_ELEMENTS(units));
	cr_assert_str_eq(name, "a\xE2\x88\x95" "b\xE2\x90\x80" "c");
	cr_assert_null(strchr(name, '/'));
	cr_assert_eq(strlen(name), 1 + 3 + 1 + 3 + 1);
}

Test(utf16, reads_exactly_the_units_given)
{
	static const uint16_t units[] = { 'a', 'b', 'c', 'd' };
	g_autofree uint8_t *raw = le_units(units, 4);
	g_autofree uint8_t *two = g_memdup2(raw, 4); /* ASan: no read past 2 units */
	g_autofree char *name = utf16_to_utf8_name(two, 2);
	cr_assert_str_eq(name, "ab");
	g_autofree uint8_t *half = g_memdup2((const uint8_t[]){ 0x3D, 0xD8 }, 2); /* lone high */
	g_autofree char *lone = utf16_to_utf8_name(half, 1);
	cr_assert_str_eq(lone, "\xEF\xBF\xBD");
}

Test(utf16, worst_case_growth)
{
	enum { N = 1000 };
	uint16_t units[N];
	for (size_t i = 0; i < N; i++)
		units[i] = i % 2 ? 0xDC00 : 0xFFFF; /* 3 bytes each */
	g_autofree uint8_t *raw = le_units(units, N);
	g_autofree char *name = utf16_to_utf8_name(raw, N);
	cr_assert_eq(strlen(name), 3 * N);
}

Test(utf16, from_utf8)
{
	size_t n = 99;
	g_autofree uint16_t *u = utf16_from_utf8("a\xC3\xA9\xF0\x9F\x98\x80", &n);
	cr_assert_not_null(u);
	cr_assert_eq(n, 4);
	const uint8_t *b = (const uint8_t *)u; /* little-endian in memory */
	cr_assert_eq(le16_at(b + 0), 'a');
	cr_assert_eq(le16_at(b + 2), 0x00E9);
	cr_assert_eq(le16_at(b + 4), 0xD83D);
	cr_assert_eq(le16_at(b + 6), 0xDE00);

	g_autofree uint16_t *empty = utf16_from_utf8("", &n);
	cr_assert_not_null(empty);
	cr_assert_eq(n, 0);
}

Test(utf16, from_utf8_refuses_invalid)
{
	static const char *bad[] = {
		"\xFF", "a\xC3", "\xC0\xAF", "\xED\xA0\x80" /* an encoded surrogate */, "\xF4\x90\x80\x80",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		size_t n = 99;
		cr_assert_null(utf16_from_utf8(bad[i], &n), "case %zu", i);
		cr_assert_eq(n, 0);
	}
}

Test(utf16, round_trip)
{
	static const char *names[] = {
		"plain.txt", "r\xC3\xA9sum\xC3\xA9.doc", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
		"\xF0\x9F\x93\x81 folder", "a:stream",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		size_t n = 0;
		g_autofree uint16_t *u = utf16_from_utf8(names[i], &n);
		cr_assert_not_null(u);
		g_autofree char *back = utf16_to_utf8_name((const uint8_t *)u, n);
		cr_assert_str_eq(back, names[i]);
	}
}
