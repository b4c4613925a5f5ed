/* src/frontend/common_opts.c: sizes, numbers, the volume location and its hints, the
 * overwritten policy and recovery password checks, as both front ends parse them. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "common_opts.h"

static uint64_t size_of(const char *text)
{
	uint64_t v = 0;
	g_autoptr(GError) error = NULL;
	cr_assert(common_opts_parse_size(text, &v, &error), "%s: %s", text, error ? error->message : "");
	return v;
}

static bool size_rejected(const char *text)
{
	uint64_t v = 0;
	g_autoptr(GError) error = NULL;
	bool ok = common_opts_parse_size(text, &v, &error);
	return !ok && g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID);
}

Test(common_opts, size_suffixes_are_powers_of_1024)
{
	cr_assert_eq(size_of("0"), 0);
	cr_assert_eq(size_of("4096"), 4096);
	cr_assert_eq(size_of("1K"), 1024);
	cr_assert_eq(size_of("1k"), 1024);
	cr_assert_eq(size_of("64KiB"), 65536);
	cr_assert_eq(size_of("3M"), UINT64_C(3) << 20);
	cr_assert_eq(size_of("2G"), UINT64_C(2) << 30);
	cr_assert_eq(size_of("1TB"), UINT64_C(1) << 40);
	cr_assert_eq(size_of("1.5K"), 1536);
	cr_assert_eq(size_of("0.5G"), UINT64_C(1) << 29);
	cr_assert_eq(size_of("10B"), 10);
	cr_assert_eq(size_of("15E"), UINT64_C(15) << 60);
}

Test(common_opts, size_rejects_garbage_and_overflow)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 K", "K", "1X", "1KK", "1.", ".5", "1.5.2", "0x10",
		"18446744073709551616", "16E", "99999999999999999999999T",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		cr_assert(size_rejected(bad[i]), "accepted '%s'", bad[i]);
	cr_assert_eq(size_of("18446744073709551615"), UINT64_MAX);
}

Test(common_opts, location_disk_options_fill_the_location)
{
	CommonOptsLocationArgs args = { .start_sector = "2048", .boot_sector = "133119",
					.sector_size = "4K" };
	RfsLocation loc;
	g_autoptr(GError) error = NULL;
	cr_assert(common_opts_location_resolve(&args, &loc, &error));
	cr_assert_eq(loc.flags, RFS_CONTEXT_DISK);
	cr_assert_eq(loc.start_sector, 2048);
	cr_assert_eq(loc.boot_sector, 133119);
	cr_assert_eq(loc.sector_size, 4096);

	CommonOptsLocationArgs none = { 0 };
	cr_assert(common_opts_location_resolve(&none, &loc, &error));
	cr_assert_eq(loc.flags, 0);
	cr_assert_eq(loc.boot_sector, 0);
}

Test(common_opts, bitlocker_backend_choice)
{
	RfsLocation loc;
	CommonOptsLocationArgs libbde = { .bitlocker = "libbde" }, native = { .bitlocker = "native" },
			       bad = { .bitlocker = "dislocker" };
	cr_assert(common_opts_location_resolve(&libbde, &loc, NULL));
	cr_assert_eq(loc.flags, RFS_CONTEXT_BITLOCKER_LIBBDE);
	cr_assert(common_opts_location_resolve(&native, &loc, NULL));
	cr_assert_eq(loc.flags, 0);
	g_autoptr(GError) error = NULL;
	cr_assert_not(common_opts_location_resolve(&bad, &loc, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	cr_assert(strstr(error->message, "--bitlocker") != NULL);
}

Test(common_opts, location_rejects_contradictions)
{
	const CommonOptsLocationArgs bad[] = {
		{ .start_sector = "1", .offset = "1M" },
		{ .partition = "1", .start_sector = "2048" },
		{ .boot_sector = "5" },
		{ .sector_size = "1000" },
		{ .sector_size = "8192" },
		{ .partition = "0" },
		{ .start_sector = "x" },
		{ .start_sector = "2048", .boot_sector = "0" }, /* 0 would read as "the start sector" */
		{ .offset = "1M", .boot_sector = "0" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		RfsLocation loc;
		g_autoptr(GError) error = NULL;
		cr_assert_not(common_opts_location_resolve(&bad[i], &loc, &error), "case %zu", i);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	}
}

Test(common_opts, location_fuse_forms_fill_the_same_struct)
{
	/* restorefs's -o offset=1M,boot_sector=... land in the same args struct */
	CommonOptsLocationArgs args = { .offset = "1M", .boot_sector = "4095", .force = TRUE };
	RfsLocation loc;
	g_autoptr(GError) error = NULL;
	cr_assert(common_opts_location_resolve(&args, &loc, &error));
	cr_assert_eq(loc.flags, RFS_CONTEXT_DISK | RFS_CONTEXT_FORCE);
	cr_assert_eq(loc.offset_bytes, 1 << 20);
	cr_assert_eq(loc.start_sector, 0);
	cr_assert_eq(loc.boot_sector, 4095);
	CommonOptsLocationArgs part = { .partition = "5" };
	cr_assert(common_opts_location_resolve(&part, &loc, &error));
	cr_assert_eq(loc.partition, 5);
	cr_assert_eq(loc.flags, 0);
}

Test(common_opts, overwritten_policy)
{
	RfsOverwritePolicy p = RFS_OVERWRITTEN_RAW;
	g_autoptr(GError) error = NULL;
	cr_assert(common_opts_parse_overwritten("zero", &p, &error));
	cr_assert_eq(p, RFS_OVERWRITTEN_ZERO);
	cr_assert(common_opts_parse_overwritten("eio", &p, &error));
	cr_assert_eq(p, RFS_OVERWRITTEN_EIO);
	cr_assert(common_opts_parse_overwritten("raw", &p, &error));
	cr_assert_eq(p, RFS_OVERWRITTEN_RAW);
	cr_assert_not(common_opts_parse_overwritten("ZERO", &p, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	cr_assert_eq(p, RFS_OVERWRITTEN_RAW);
}

Test(common_opts, recovery_password_checksum)
{
	/* Every group a multiple of 11 below 720896. */
	static const char good[] = "000000 111111-222222-333333-444444-555555-666666-707157";
	char out[56];
	g_autoptr(GError) error = NULL;
	cr_assert(common_opts_check_recovery_password(good, strlen(good), out, &error));
	cr_assert_str_eq(out, "000000-111111-222222-333333-444444-555555-666666-707157");

	static const char typo[] = "000000-111111-222222-333333-444444-555555-666666-707158";
	cr_assert_not(common_opts_check_recovery_password(typo, strlen(typo), out, &error));
	cr_assert(strstr(error->message, "group 8") != NULL, "%s", error->message);
	g_clear_error(&error);
	static const char short_one[] = "000000-111111";
	cr_assert_not(common_opts_check_recovery_password(short_one, strlen(short_one), out, &error));
	g_clear_error(&error);
	static const char too_big[] = "720896-111111-222222-333333-444444-555555-666666-707157";
	cr_assert_not(common_opts_check_recovery_password(too_big, strlen(too_big), out, &error));
}

Test(common_opts, location_boot_sector_0_is_the_start_of_a_volume_at_0)
{
	CommonOptsLocationArgs args = { .start_sector = "0", .boot_sector = "0" };
	RfsLocation loc;
	g_autoptr(GError) error = NULL;
	cr_assert(common_opts_location_resolve(&args, &loc, &error));
	cr_assert_eq(loc.flags, RFS_CONTEXT_DISK);
	cr_assert_eq(loc.boot_sector, 0);
}

/* The hint common_opts_location_hint() adds to `message` of `code` for `loc`. */
static char *hinted(RfsError code, const char *message, RfsLocation loc)
{
	GError *error = g_error_new_literal(RFS_ERROR, (gint)code, message);
	common_opts_location_hint(error, &loc);
	char *text = g_strdup(error->message);
	g_error_free(error);
	return text;
}

Test(common_opts, location_hint_names_the_options)
{
	static const RfsLocation whole = { 0 };
	g_autofree char *busy = hinted(RFS_ERROR_BUSY, "disk.img is mounted read-write on /mnt; unmount it first", whole);
	cr_assert_str_eq(busy, "disk.img is mounted read-write on /mnt; unmount it first (or use --force to read it anyway, read-only)");
	g_autofree char *truncated = hinted(RFS_ERROR_TRUNCATED, "disk.img is truncated", whole);
	cr_assert_str_eq(truncated, "disk.img is truncated (--force reads what is there)");

	const RfsLocation primary = { .flags = RFS_CONTEXT_DISK, .start_sector = 2048 };
	g_autofree char *p = hinted(RFS_ERROR_BAD_BOOT_SECTOR, "sector 2048: bad", primary);
	cr_assert_str_eq(p, "sector 2048: bad; try the backup copy in the volume's last sector (--boot-sector), "
			    "or look for it with restorefs-scan --find-volumes");
	const RfsLocation same = { .flags = RFS_CONTEXT_DISK, .start_sector = 2048, .boot_sector = 2048 };
	g_autofree char *s = hinted(RFS_ERROR_BAD_BOOT_SECTOR, "x", same);
	cr_assert(strstr(s, "try the backup copy") != NULL, "%s", s);
	const RfsLocation by_offset = { .flags = RFS_CONTEXT_DISK, .offset_bytes = 1 << 20, .boot_sector = 2048 };
	g_autofree char *o = hinted(RFS_ERROR_BAD_BOOT_SECTOR, "x", by_offset);
	cr_assert(strstr(o, "try the backup copy") != NULL, "%s", o);

	const RfsLocation backup = { .flags = RFS_CONTEXT_DISK, .start_sector = 2048, .boot_sector = 133119 };
	g_autofree char *b = hinted(RFS_ERROR_BAD_BOOT_SECTOR, "sector 133119: bad", backup);
	cr_assert_str_eq(b, "sector 133119: bad; try the primary copy at the start sector (leave out --boot-sector)");

	/* everything else is left alone */
	g_autofree char *corrupt = hinted(RFS_ERROR_CORRUPT, "record 0: no FILE signature", primary);
	cr_assert_str_eq(corrupt, "record 0: no FILE signature");
	GError *foreign = g_error_new_literal(G_FILE_ERROR, G_FILE_ERROR_NOENT, "busy");
	common_opts_location_hint(foreign, &whole);
	cr_assert_str_eq(foreign->message, "busy");
	g_error_free(foreign);
	common_opts_location_hint(NULL, &whole);
}

Test(common_opts, percent_with_or_without_sign)
{
	static const struct { const char *text; unsigned want; } good[] = {
		{ "0", 0 }, { "50", 50 }, { "50%", 50 }, { "100%", 100 }, { "007", 7 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		unsigned got = 999;
		cr_assert(common_opts_parse_percent(good[i].text, &got, NULL), "%s", good[i].text);
		cr_assert_eq(got, good[i].want, "%s", good[i].text);
	}
	static const char *const bad[] = { "", "%", "101", "-5", "+5", "50%%", "5 0", "0x10", "abc",
					   "99999999999999999999", " 50" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		unsigned got = 999;
		cr_assert_not(common_opts_parse_percent(bad[i], &got, &error), "'%s' accepted", bad[i]);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
		cr_assert(strstr(error->message, "is not a percentage (0-100)") != NULL, "%s", error->message);
		cr_assert_eq(got, 999);
	}
}
