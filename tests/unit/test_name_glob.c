/* src/frontend/name_glob.c: globs on names as NTFS compares them (case-insensitive, Unicode
 * case folding and NFC), path tails for globs with '/', and exact matching on request. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>

#include "name_glob.h"

static bool matches(const char *pattern, bool case_sensitive, const char *text)
{
	g_autoptr(NameGlob) g = name_glob_new(pattern, case_sensitive);
	return name_glob_match(g, text);
}

Test(name_glob, ascii_case_is_ignored_by_default)
{
	cr_assert(matches("*.jpg", false, "IMG_0001.JPG"));
	cr_assert(matches("img_????.jpg", false, "IMG_0001.JPG"));
	cr_assert_not(matches("*.jpg", false, "IMG_0001.JPEG"));
	cr_assert(matches("*", false, ""));
	cr_assert_not(matches("?", false, ""));
}

Test(name_glob, unicode_case_folding_and_normalisation)
{
	cr_assert(matches("ÉTÉ*", false, "été 2019.txt"));
	cr_assert(matches("*ΣΟΦΙΑ*", false, "σοφια.doc"));
	cr_assert(matches("straße.txt", false, "STRASSE.TXT"), "ß folds to ss");
	/* "é" precomposed in the glob, decomposed (e + U+0301) in the name */
	cr_assert(matches("caf\xc3\xa9.txt", false, "CAFE\xcc\x81.txt"));
	/* '?' is one character, not one byte */
	cr_assert(matches("?.txt", false, "\xc3\xa9.txt"));
	cr_assert(matches("??.txt", false, "\xe6\x97\xa5\xe6\x9c\xac.txt"));
}

Test(name_glob, case_sensitive_is_exact)
{
	cr_assert_not(matches("*.jpg", true, "IMG_0001.JPG"));
	cr_assert(matches("*.JPG", true, "IMG_0001.JPG"));
	cr_assert_not(matches("été*", true, "ÉTÉ.txt"));
}

Test(name_glob, sets_ranges_and_escapes)
{
	cr_assert(matches("file[0-9].txt", false, "FILE7.TXT"));
	cr_assert_not(matches("file[!0-9].txt", false, "file7.txt"));
	cr_assert(matches("file[^0-9].txt", false, "filex.txt"));
	cr_assert(matches("[]x].txt", false, "].txt"));
	cr_assert(matches("a\\*b", false, "a*b"));
	cr_assert_not(matches("a\\*b", false, "axb"));
	cr_assert(matches("[abc", false, "[ABC"), "an unclosed '[' is literal");
	cr_assert(matches("*a*b*c*", false, "xxAyyBzzCww"));
	cr_assert_not(matches("*a*b*c*", false, "xxAyyCzzBww"));
}

Test(name_glob, slash_matches_the_path_tail)
{
	g_autoptr(NameGlob) g = name_glob_new("Desktop/*", false);
	cr_assert(name_glob_wants_path(g));
	cr_assert(name_glob_match(g, "/Users/ann/desktop/a.txt"));
	cr_assert(name_glob_match(g, "/Desktop/a.txt"));
	cr_assert(name_glob_match(g, "/Users/ann/Desktop/sub/b.txt"), "'*' also crosses '/'");
	cr_assert_not(name_glob_match(g, "/Users/ann/MyDesktop/a.txt"), "a tail starts a component");
	cr_assert_not(name_glob_match(g, "/Users/ann/Documents/a.txt"));
	g_autoptr(NameGlob) two = name_glob_new("ann/*/*.docx", false);
	cr_assert(name_glob_match(two, "/Users/Ann/Documents/CV.DOCX"));
	g_autoptr(NameGlob) anchored = name_glob_new("/users/*", false);
	cr_assert(name_glob_match(anchored, "/Users/ann/a.txt"));
	cr_assert_not(name_glob_match(anchored, "/old/Users/ann/a.txt"), "a leading '/' anchors");
	g_autoptr(NameGlob) name = name_glob_new("*.txt", false);
	cr_assert_not(name_glob_wants_path(name));
}

Test(name_glob, bytes_that_are_not_utf8)
{
	cr_assert(matches("*.txt", false, "bad\xff.TXT"));
	cr_assert_not(matches("x", false, "\xff"));
	cr_assert_not(matches("x", false, NULL));
}
