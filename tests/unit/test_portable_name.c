#include <criterion/criterion.h>
#include <glib.h>

#include "portable_name.h"

static void expect(const char *name, const char *want)
{
	g_autofree char *got = portable_name_of(name);
	cr_assert_str_eq(got, want, "%s -> %s, not %s", name, got, want);
}

Test(portable_name, keeps_plain_names)
{
	expect("report.docx", "report.docx");
	expect("Ünïcode naïve.txt", "Ünïcode naïve.txt");
	expect(".hidden", ".hidden");
}

Test(portable_name, replaces_forbidden_characters)
{
	expect("a\"b*c/d:e<f>g?h\\i|j", "a_b_c_d_e_f_g_h_i_j");
	expect("tab\there\x01\x7f", "tab_here__");
}

Test(portable_name, streams_become_name_stream)
{
	expect("photo.jpg:Zone.Identifier", "photo.jpg_Zone.Identifier");
}

Test(portable_name, drops_trailing_dots_and_spaces)
{
	expect("notes. . ", "notes");
	expect("x.txt.", "x.txt");
	expect("...", "_");
	expect("", "_");
}

Test(portable_name, suffixes_reserved_device_names)
{
	expect("CON", "CON_");
	expect("nul.txt", "nul_.txt");
	expect("Com1", "Com1_");
	expect("LPT9.log.gz", "LPT9_.log.gz");
	expect("COM0", "COM0");
	expect("CONSOLE", "CONSOLE");
	expect("aux.", "aux_");
}

Test(portable_name, collision_names_follow_the_index_style)
{
	g_autofree char *first = portable_name_collision("a_b.txt", 42, 1);
	g_autofree char *second = portable_name_collision("a_b.txt", 42, 2);
	g_autofree char *bare = portable_name_collision("a_b", 7, 1);
	cr_assert_str_eq(first, "a_b (mft 42).txt");
	cr_assert_str_eq(second, "a_b (mft 42, 2).txt");
	cr_assert_str_eq(bare, "a_b (mft 7)");
}
