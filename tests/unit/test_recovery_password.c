/* Recovery passwords: format, white space, dashes and the per-group checksum, before any
 * key derivation is tried. */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "device/recovery_password.h"
#include "util/error.h"

#define GOOD_RP "042647-302313-590458-071500-554323-116567-412181-516978"

static bool normalise(const char *text, char out[RECOVERY_PASSWORD_DASHED_SIZE], GError **error)
{
	g_autofree uint8_t *copy = g_memdup2(text, strlen(text) + 1);
	return recovery_password_normalise(byte_span(copy, strlen(text)), out, error);
}

static void expect_rp_ok(const char *text)
{
	char out[RECOVERY_PASSWORD_DASHED_SIZE];
	g_autoptr(GError) error = NULL;
	cr_assert(normalise(text, out, &error), "'%s': %s", text, error ? error->message : "");
	cr_assert(memcmp(out, GOOD_RP, RECOVERY_PASSWORD_DASHED_SIZE) == 0, "'%s'", text);
}

static void expect_rp_error(const char *text, const char *message)
{
	char out[RECOVERY_PASSWORD_DASHED_SIZE];
	g_autoptr(GError) error = NULL;
	cr_assert_not(normalise(text, out, &error), "'%s'", text);
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	cr_assert_str_eq(error->message, message, "'%s'", text);
}

Test(recovery_password, accepts_dashes_optional_and_white_space)
{
	expect_rp_ok(GOOD_RP);
	expect_rp_ok("042647302313590458071500554323116567412181516978");
	expect_rp_ok("042647302313-590458-071500554323116567-412181516978");
	expect_rp_ok(GOOD_RP "\n");
	expect_rp_ok(" \t" GOOD_RP "\r\n ");
}

Test(recovery_password, rejects_bad_characters)
{
	char text[] = GOOD_RP;
	text[9] = 'O'; /* a letter for a zero */
	expect_rp_error(text, "recovery password: character 10 is neither a digit nor a dash between groups of 6");
	expect_rp_error("-" GOOD_RP, "recovery password: character 1 is neither a digit nor a dash between groups of 6");
	expect_rp_error(GOOD_RP "-123456", "recovery password: character 56 is neither a digit nor a dash between groups of 6");
	expect_rp_error(GOOD_RP "-", "recovery password: character 56 is neither a digit nor a dash between groups of 6");
	expect_rp_error("042647--302313-590458-071500-554323-116567-412181-516978",
			"recovery password: character 8 is neither a digit nor a dash between groups of 6");
	expect_rp_error("04264-7302313-590458-071500-554323-116567-412181-516978",
			"recovery password: character 6 is neither a digit nor a dash between groups of 6");
	expect_rp_error("042647 302313-590458-071500-554323-116567-412181-516978",
			"recovery password: character 7 is neither a digit nor a dash between groups of 6");
}

Test(recovery_password, rejects_wrong_digit_counts)
{
	expect_rp_error("", "recovery password has 0 digits; expected 48 digits in 8 groups of 6 (dashes optional)");
	expect_rp_error(" \n", "recovery password has 0 digits; expected 48 digits in 8 groups of 6 (dashes optional)");
	expect_rp_error("042647-302313", "recovery password has 12 digits; expected 48 digits in 8 groups of 6 (dashes optional)");
	expect_rp_error("04264730231359045807150055432311656741218151697",
			"recovery password has 47 digits; expected 48 digits in 8 groups of 6 (dashes optional)");
	expect_rp_error(GOOD_RP "1", "recovery password has 49 digits; expected 48 digits in 8 groups of 6 (dashes optional)");
	expect_rp_error(GOOD_RP "123456",
			"recovery password has 54 digits; expected 48 digits in 8 groups of 6 (dashes optional)");
}

Test(recovery_password, checksum_names_the_group)
{
	for (int g = 0; g < 8; g++) {
		char text[] = GOOD_RP;
		char *last = &text[g * 7 + 5];
		*last = *last == '9' ? '0' : (char)(*last + 1); /* off by one: not a multiple of 11 */
		g_autofree char *want = g_strdup_printf(
			"recovery password: group %d fails its checksum (each 6-digit group is a multiple of 11 below 720896); check that group for a typo",
			g + 1);
		expect_rp_error(text, want);
	}
	/* 720896 = 11 * 65536: a multiple of 11, but more than 16 bits */
	expect_rp_error("720896-302313-590458-071500-554323-116567-412181-516978",
			"recovery password: group 1 fails its checksum (each 6-digit group is a multiple of 11 below 720896); check that group for a typo");
	char out[RECOVERY_PASSWORD_DASHED_SIZE];
	cr_assert(normalise("720885-302313-590458-071500-554323-116567-412181-516978", out, NULL));
	cr_assert(normalise("000000-000000-000000-000000-000000-000000-000000-000000", out, NULL));
}
