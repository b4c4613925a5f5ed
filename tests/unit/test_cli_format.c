/* The front ends' pure parts: size, location and policy parsing and recovery password checks
 * (src/frontend, shared with restorefs), ISO times and flag words, and restorefs-scan's
 * CSV, bodyfile, text and JSON output of hand-made entries. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "common_opts.h"
#include "filters.h"
#include "list_format.h"

/* 2026-11-24T02:49:45.1234567Z: Unix 1795488585, plus the 1601..1970 offset, in 100 ns. */
#define FT_SAMPLE ((INT64_C(1795488585) + INT64_C(11644473600)) * 10000000 + 1234567)

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

Test(cli_size, suffixes_are_powers_of_1024)
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

Test(cli_size, rejects_garbage_and_overflow)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 K", "K", "1X", "1KK", "1.", ".5", "1.5.2", "0x10",
		"18446744073709551616", "16E", "99999999999999999999999T",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		cr_assert(size_rejected(bad[i]), "accepted '%s'", bad[i]);
	cr_assert_eq(size_of("18446744073709551615"), UINT64_MAX);
}

Test(cli_location, disk_options_fill_the_location)
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

Test(cli_location, rejects_contradictions)
{
	const CommonOptsLocationArgs bad[] = {
		{ .start_sector = "1", .offset = "1M" },
		{ .partition = "1", .start_sector = "2048" },
		{ .boot_sector = "5" },
		{ .sector_size = "1000" },
		{ .sector_size = "8192" },
		{ .partition = "0" },
		{ .start_sector = "x" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		RfsLocation loc;
		g_autoptr(GError) error = NULL;
		cr_assert_not(common_opts_location_resolve(&bad[i], &loc, &error), "case %zu", i);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	}
}

Test(cli_location, fuse_forms_fill_the_same_struct)
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

Test(cli_options, overwritten_policy)
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

Test(cli_secret, recovery_password_checksum)
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

Test(cli_format, iso_time_has_seven_digits)
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

Test(cli_format, csv_quotes_per_rfc4180)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain.txt", "plain.txt" },
		{ "", "" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "cr\r", "\"cr\r\"" },
		{ "/dir/file:stream", "/dir/file:stream" },
		{ "caf\xc3\xa9 'x'", "caf\xc3\xa9 'x'" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) s = g_string_new(NULL);
		list_format_csv_field(s, cases[i].in);
		cr_assert_str_eq(s->str, cases[i].out);
	}
}

static RfsEntryInfo sample_file(void)
{
	return (RfsEntryInfo){
		.id = RFS_ENTRY_ID(70, 0),
		.parent_id = RFS_ENTRY_ID(64, 0),
		.name = "report, final.txt",
		.file_name = "report, final.txt",
		.mft_record = 70,
		.sequence = 3,
		.flags = RFS_ENTRY_REMOVED | RFS_ENTRY_COMPRESSED,
		.attributes = 0x821,
		.size_bytes = 12345,
		.allocated_bytes = 16384,
		.clusters = 4,
		.clusters_in_use = 1,
		.times = { .creation = FT_SAMPLE, .last_write = FT_SAMPLE + 10000000, .mft_change = 0,
			   .last_access = FT_SAMPLE },
		.fn_times = { .creation = FT_SAMPLE - 10000000, .last_write = FT_SAMPLE,
			      .last_access = FT_SAMPLE, .mft_change = FT_SAMPLE },
	};
}

Test(cli_format, csv_row_columns)
{
	RfsEntryInfo e = sample_file();
	ListFormatRow row = { .info = &e, .path = "/docs/report, final.txt",
			      .original_path = "/docs/report, final.txt", .recoverable_percent = 75 };
	g_autoptr(GString) s = g_string_new(NULL);
	list_format_csv_row(s, &row);
	cr_assert_str_eq(s->str, "\"/docs/report, final.txt\",70,3,,file,12345,16384,4,1,75,removed|compressed,"
				 "0x00000821,2026-11-24T02:49:45.1234567Z,2026-11-24T02:49:46.1234567Z,"
				 "2026-11-24T02:49:45.1234567Z,,\"/docs/report, final.txt\"\n");
	cr_assert_str_eq(list_format_csv_header(),
			 "path,mft_record,sequence,stream,type,size,allocated,clusters,clusters_in_use,"
			 "recoverable,flags,attributes,created,modified,accessed,mft_changed,original_path\n");
}

Test(cli_format, csv_stream_and_live_flags)
{
	RfsEntryInfo e = sample_file();
	e.flags = RFS_ENTRY_STREAM | RFS_ENTRY_RESIDENT;
	e.stream_name = "Zone.Identifier";
	g_autoptr(GString) words = g_string_new(NULL);
	list_format_flag_words(words, &e, "|");
	cr_assert_str_eq(words->str, "live|resident");
	cr_assert_str_eq(list_format_type_word(&e), "stream");
	e.flags = RFS_ENTRY_DIRECTORY | RFS_ENTRY_REMOVED | RFS_ENTRY_ORPHAN;
	cr_assert_str_eq(list_format_type_word(&e), "dir");
}

Test(cli_format, entry_flags_in_order)
{
	/* the words and order restorefs's user.restorefs.flags shows */
	g_autoptr(GString) words = g_string_new(NULL);
	entry_text_flags(words, RFS_ENTRY_DIRECTORY | RFS_ENTRY_REMOVED | RFS_ENTRY_ORPHAN |
				       RFS_ENTRY_SYNTHETIC | RFS_ENTRY_INCOMPLETE,
			 ",");
	cr_assert_str_eq(words->str, "directory,removed,orphan,synthetic,incomplete");
	g_string_truncate(words, 0);
	entry_text_flags(words, 0, ",");
	cr_assert_str_eq(words->str, "");

	/* the listing leaves out what its type column says */
	RfsEntryInfo e = sample_file();
	e.flags = RFS_ENTRY_DIRECTORY | RFS_ENTRY_REMOVED | RFS_ENTRY_ORPHAN;
	list_format_flag_words(words, &e, "|");
	cr_assert_str_eq(words->str, "removed|orphan");
	g_string_truncate(words, 0);
	e.flags = RFS_ENTRY_DIRECTORY;
	list_format_flag_words(words, &e, "|");
	cr_assert_str_eq(words->str, "live");
}

Test(cli_format, encryption_json)
{
	static const RfsKeyProtector protectors[] = {
		{ .type = "password", .identifier = "3e55195c-8811-4d9b-97b4-2b9e5f8f5384" },
		{ .type = "recovery password", .identifier = "64311dea-4587-4029-924a-ba299647998e" },
	};
	const RfsEncryptionInfo info = {
		.method = "AES-XTS 128",
		.volume_identifier = "8f595209-f5b9-49a0-85d4-cb8f80258c27",
		.creation_time = FT_SAMPLE,
		.description = "DESKTOP H: 7/4/2019",
		.protectors = protectors,
		.protector_count = G_N_ELEMENTS(protectors),
	};
	g_autoptr(JsonNode) node = list_format_encryption_json(&info);
	g_autofree char *text = json_to_string(node, FALSE);
	cr_assert_str_eq(text,
			 "{\"method\":\"AES-XTS 128\",\"volume_identifier\":\"8f595209-f5b9-49a0-85d4-cb8f80258c27\","
			 "\"created\":\"2026-11-24T02:49:45.1234567Z\",\"description\":\"DESKTOP H: 7/4/2019\","
			 "\"to_go\":false,\"key_protectors\":[{\"type\":\"password\",\"identifier\":"
			 "\"3e55195c-8811-4d9b-97b4-2b9e5f8f5384\"},{\"type\":\"recovery password\","
			 "\"identifier\":\"64311dea-4587-4029-924a-ba299647998e\"}]}");
	const RfsEncryptionInfo unknown = { .method = "AES-CBC 128" };
	g_autoptr(JsonNode) bare = list_format_encryption_json(&unknown);
	JsonObject *o = json_node_get_object(bare);
	cr_assert(json_object_get_null_member(o, "created"));
	cr_assert(json_object_get_null_member(o, "volume_identifier"));
	cr_assert_eq(json_array_get_length(json_object_get_array_member(o, "key_protectors")), 0);
}

Test(cli_format, bodyfile_lines_follow_fls)
{
	RfsEntryInfo e = sample_file();
	ListFormatRow row = { .info = &e, .path = "/docs/a|b.txt", .recoverable_percent = 100 };
	g_autoptr(GString) s = g_string_new(NULL);
	list_format_bodyfile_row(s, &row);
	cr_assert_str_eq(s->str,
			 "0|/docs/a^b.txt (deleted)|70-3|r/rr-xr-xr-x|0|0|12345|1795488585|1795488586|0|1795488585\n"
			 "0|/docs/a^b.txt ($FILE_NAME) (deleted)|70-3|r/rr-xr-xr-x|0|0|12345|1795488585|1795488585|"
			 "1795488585|1795488584\n");

	/* A live directory: no "(deleted)", no $FILE_NAME line, the 'd' type. */
	e.flags = RFS_ENTRY_DIRECTORY;
	e.attributes = 0x10;
	e.size_bytes = 0;
	row.path = "/docs";
	g_string_truncate(s, 0);
	list_format_bodyfile_row(s, &row);
	cr_assert_str_eq(s->str, "0|/docs|70-3|d/drwxrwxrwx|0|0|0|1795488585|1795488586|0|1795488585\n");
}

Test(cli_format, text_row)
{
	RfsEntryInfo e = sample_file();
	e.size_bytes = 1536;
	ListFormatRow row = { .info = &e, .path = "/docs/x.txt", .recoverable_percent = 42 };
	g_autoptr(GString) s = g_string_new(NULL);
	list_format_text_row(s, &row);
	cr_assert_str_eq(s->str, "  42%     1.5 KiB  2026-11-24 02:49:46  /docs/x.txt\n");
}

Test(cli_format, human_sizes)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0 B" },          { 1023, "1023 B" },         { 1024, "1.0 KiB" },
		{ 1535, "1.5 KiB" },   { 1587, "1.5 KiB" },        { 1588, "1.6 KiB" },
		{ 1048575, "1024.0 KiB" }, { 3 << 20, "3.0 MiB" }, { UINT64_MAX, "16.0 EiB" },
	};
	char out[LIST_FORMAT_SIZE_SIZE];
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		list_format_human_size(cases[i].bytes, out);
		cr_assert_str_eq(out, cases[i].text, "%" PRIu64 ": %s", cases[i].bytes, out);
	}
}

Test(cli_filters, size_recoverable_and_glob)
{
	RfsEntryInfo e = sample_file();
	Filters f = FILTERS_INIT;
	cr_assert_not(filters_active(&f));
	cr_assert(filters_match_file(&f, &e, NULL, 0));
	f.name_glob = "*.txt";
	cr_assert(filters_active(&f));
	cr_assert(filters_match_file(&f, &e, NULL, 0));
	f.name_glob = "*.doc";
	cr_assert_not(filters_match_file(&f, &e, NULL, 0));
	f.name_glob = "/docs/*";
	cr_assert(filters_match_file(&f, &e, "/docs/report, final.txt", 0));
	cr_assert_not(filters_match_file(&f, &e, "/other/report, final.txt", 0));
	f = (Filters)FILTERS_INIT;
	f.min_size_bytes = 12346;
	cr_assert_not(filters_match_file(&f, &e, NULL, 100));
	f.min_size_bytes = 12345;
	f.max_size_bytes = 12345;
	cr_assert(filters_match_file(&f, &e, NULL, 100));
	f.min_recoverable = 100;
	cr_assert_not(filters_match_file(&f, &e, NULL, 99));

	/* A stream matches through its file's name too. */
	f = (Filters)FILTERS_INIT;
	f.name_glob = "*.txt";
	e.flags |= RFS_ENTRY_STREAM;
	e.name = "report, final.txt:Zone.Identifier";
	cr_assert(filters_match_file(&f, &e, NULL, 0));
}
