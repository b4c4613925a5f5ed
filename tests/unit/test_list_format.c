/* src/cli/list_format.c: restorefs-scan's CSV, bodyfile, text and JSON output of hand-made
 * entries, field by field. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "entry_sample.h"
#include "list_format.h"

Test(list_format, csv_quotes_per_rfc4180)
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

Test(list_format, csv_row_columns)
{
	RfsEntryInfo e = sample_file();
	ListFormatRow row = { .info = &e, .path = "/docs/report, final.txt",
			      .original_path = "/docs/report, final.txt", .recoverable_percent = 75 };
	g_autoptr(GString) s = g_string_new(NULL);
	list_format_csv_row(s, &row);
	cr_assert_str_eq(s->str, "\"/docs/report, final.txt\",70,3,,file,12345,16384,4,1,75,removed|compressed,"
				 "0x00000821,2026-11-24T02:49:45.1234567Z,2026-11-24T02:49:46.1234567Z,"
				 "2026-11-24T02:49:45.1234567Z,,\"/docs/report, final.txt\",partly-overwritten,"
				 ",mft,\n");
	cr_assert_str_eq(list_format_csv_header(),
			 "path,mft_record,sequence,stream,type,size,allocated,clusters,clusters_in_use,"
			 "recoverable,flags,attributes,created,modified,accessed,mft_changed,original_path,"
			 "state,deleted,path_source,snapshot\n");
}

Test(list_format, csv_deleted_path_source_and_snapshot)
{
	RfsEntryInfo e = sample_file();
	e.deleted_time = FT_SAMPLE + 20000000;
	e.path_source = RFS_PATH_SOURCE_INDEX_SLACK;
	e.snapshot = 12;
	ListFormatRow row = { .info = &e, .path = "/a", .recoverable_percent = 75 };
	g_autoptr(GString) s = g_string_new(NULL);
	list_format_csv_row(s, &row);
	cr_assert(g_str_has_suffix(s->str, ",partly-overwritten,2026-11-24T02:49:47.1234567Z,index-slack,12\n"),
		  "%s", s->str);
	/* as many fields as the header names */
	g_auto(GStrv) header = g_strsplit(list_format_csv_header(), ",", -1);
	g_auto(GStrv) fields = g_strsplit(s->str, ",", -1);
	cr_assert_eq(g_strv_length(fields), g_strv_length(header));
}

Test(list_format, csv_stream_and_live_flags)
{
	RfsEntryInfo e = sample_file();
	e.flags = RFS_ENTRY_STREAM | RFS_ENTRY_RESIDENT;
	e.stream_name = "Zone.Identifier";
	g_autoptr(GString) words = g_string_new(NULL);
	list_format_flag_words(words, &e, '|');
	cr_assert_str_eq(words->str, "live|resident");
	cr_assert_str_eq(list_format_type_word(&e), "stream");
	e.flags = RFS_ENTRY_DIRECTORY | RFS_ENTRY_REMOVED | RFS_ENTRY_ORPHAN;
	cr_assert_str_eq(list_format_type_word(&e), "dir");
}

Test(list_format, flag_words_leave_out_the_type)
{
	/* the listing leaves out what its type column says */
	g_autoptr(GString) words = g_string_new(NULL);
	RfsEntryInfo e = sample_file();
	e.flags = RFS_ENTRY_DIRECTORY | RFS_ENTRY_REMOVED | RFS_ENTRY_ORPHAN;
	list_format_flag_words(words, &e, '|');
	cr_assert_str_eq(words->str, "removed|orphan");
	g_string_truncate(words, 0);
	e.flags = RFS_ENTRY_DIRECTORY;
	list_format_flag_words(words, &e, '|');
	cr_assert_str_eq(words->str, "live");
}

Test(list_format, encryption_json)
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

Test(list_format, bodyfile_lines_follow_fls)
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

Test(list_format, text_row)
{
	RfsEntryInfo e = sample_file();
	e.size_bytes = 1536;
	ListFormatRow row = { .info = &e, .path = "/docs/x.txt", .recoverable_percent = 42 };
	g_autoptr(GString) s = g_string_new(NULL);
	list_format_text_row(s, &row);
	cr_assert_str_eq(s->str, "  42%     1.5 KiB  2026-11-24 02:49:46  /docs/x.txt\n");
	e.deleted_time = FT_SAMPLE + 20000000;
	g_string_truncate(s, 0);
	list_format_text_row(s, &row);
	cr_assert_str_eq(s->str, "  42%     1.5 KiB  2026-11-24 02:49:46  /docs/x.txt  (deleted 2026-11-24 02:49:47)\n");
	e.flags |= RFS_ENTRY_DIRECTORY;
	row.path = "/docs";
	g_string_truncate(s, 0);
	list_format_text_row(s, &row);
	cr_assert_str_eq(s->str, "    -       <dir>  2026-11-24 02:49:46  /docs/  (deleted 2026-11-24 02:49:47)\n");
}

Test(list_format, bodyfile_has_no_deletion_column)
{
	RfsEntryInfo e = sample_file();
	ListFormatRow row = { .info = &e, .path = "/x.txt", .recoverable_percent = 100 };
	g_autoptr(GString) plain = g_string_new(NULL), with = g_string_new(NULL);
	list_format_bodyfile_row(plain, &row);
	e.deleted_time = FT_SAMPLE + 20000000;
	list_format_bodyfile_row(with, &row);
	cr_assert_str_eq(with->str, plain->str, "mactime 3.x reads 11 fields: the format stays");
}

Test(list_format, text_row_escapes_what_a_terminal_would_obey)
{
	RfsEntryInfo e = sample_file();
	e.size_bytes = 1536;
	/* a newline, a carriage return, an ESC sequence that would clear the screen, a C1 CSI, a
	 * backslash, a tab, and a byte that is not UTF-8; UTF-8 text passes unchanged */
	ListFormatRow row = { .info = &e, .recoverable_percent = 42,
			      .path = "/docs/a\nb\rc\033[2Jd\xc2\x9b" "e\\f\tg\xffh caf\xc3\xa9.txt" };
	g_autoptr(GString) s = g_string_new(NULL);
	list_format_text_row(s, &row);
	cr_assert_str_eq(s->str, "  42%     1.5 KiB  2026-11-24 02:49:46  "
				 "/docs/a\\nb\\rc\\033[2Jd\\302\\233e\\\\f\\tg\\377h caf\xc3\xa9.txt\n");
	cr_assert_eq(strchr(s->str, '\033'), NULL);
	cr_assert_eq(strchr(s->str, '\n'), s->str + s->len - 1, "one line");
}

Test(list_format, state_in_json_and_summary)
{
	RfsEntryInfo e = sample_file();
	ListFormatRow row = { .info = &e, .path = "/x", .recoverable_percent = 75 };
	RfsScanStats stats = { .deleted_files = 5, .deleted_bytes = 2048, .records_total = 100,
			       .usn_records = 268 };
	stats.by_state[RFS_STATE_INTACT] = 3;
	stats.by_state[RFS_STATE_OVERWRITTEN] = 1;
	stats.by_state[RFS_STATE_CONTESTED] = 1;
	char *tmp = NULL;
	size_t tmp_size = 0;
	FILE *out = open_memstream(&tmp, &tmp_size);
	ListFormatWriter *w = list_format_writer_new(LIST_FORMAT_JSON, out, true);
	RfsVolumeInfo vol = { .cluster_size = 4096 };
	list_format_writer_begin(w, "img", &vol, &stats);
	list_format_writer_row(w, &row);
	cr_assert(list_format_writer_end(w, &stats));
	list_format_writer_free(w);
	fclose(out);
	g_autofree char *text = tmp;
	g_autoptr(JsonNode) doc = json_from_string(text, NULL);
	cr_assert_not_null(doc, "%s", text);
	JsonObject *root = json_node_get_object(doc);
	JsonObject *entry = json_array_get_object_element(json_object_get_array_member(root, "entries"), 0);
	cr_assert_str_eq(json_object_get_string_member(entry, "state"), "partly-overwritten");
	cr_assert(json_object_get_null_member(entry, "deleted"));
	cr_assert_str_eq(json_object_get_string_member(entry, "path_source"), "mft");
	cr_assert(json_object_get_null_member(entry, "snapshot"));
	JsonObject *by_state = json_object_get_object_member(json_object_get_object_member(root, "stats"), "by_state");
	cr_assert_eq(json_object_get_int_member(by_state, "overwritten"), 1);
	cr_assert_eq(json_object_get_int_member(by_state, "intact"), 3);
	cr_assert_eq(json_object_get_int_member(json_object_get_object_member(root, "stats"), "usn_records"), 268);
	g_autofree char *summary = list_format_summary(&stats, 7);
	cr_assert_str_eq(summary, "5 deleted files, 0 directories, 0 streams (2.0 KiB), 0 orphans; "
				  "contents: 3 intact, 1 overwritten, 1 possibly overwritten; "
				  "100 MFT records, 0 damaged; 7 listed");
}

Test(list_format, human_sizes)
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

Test(list_format, a_ghost_says_so_in_every_format)
{
	RfsEntryInfo e = sample_file();
	e.flags = RFS_ENTRY_REMOVED | RFS_ENTRY_GHOST;
	e.attributes = 0x20;
	cr_assert_str_eq(list_format_type_word(&e), "ghost");
	g_autoptr(GString) s = g_string_new(NULL);
	list_format_flag_words(s, &e, '|');
	cr_assert_str_eq(s->str, "removed", "the type column says ghost already");
	ListFormatRow row = { .info = &e, .path = "/docs/gone.txt", .recoverable_percent = 0 };
	g_string_truncate(s, 0);
	list_format_text_row(s, &row);
	cr_assert_str_eq(s->str, "ghost    12.1 KiB  2026-11-24 02:49:46  /docs/gone.txt\n");
	g_string_truncate(s, 0);
	list_format_bodyfile_row(s, &row);
	cr_assert(g_str_has_prefix(s->str, "0|/docs/gone.txt (deleted) (ghost)|70-3|r/r---------|"), "%s", s->str);
	g_string_truncate(s, 0);
	list_format_csv_row(s, &row);
	cr_assert(strstr(s->str, ",ghost,") != NULL, "%s", s->str);
	RfsScanStats stats = { .ghosts = 3, .paths_from_traces = 7 };
	g_autofree char *summary = list_format_summary(&stats, 10);
	cr_assert(strstr(summary, "; 7 paths from index entries; 3 ghosts (names only, no data)") != NULL, "%s", summary);
}

/* The output of `w` after one row, as a string. */
static char *write_one(ListFormatKind kind, const char *hash_name, const ListFormatRow *row)
{
	char *tmp = NULL;
	size_t tmp_size = 0;
	FILE *out = open_memstream(&tmp, &tmp_size);
	ListFormatWriter *w = list_format_writer_new(kind, out, true);
	list_format_writer_set_hash(w, hash_name);
	RfsVolumeInfo vol = { .cluster_size = 4096 };
	RfsScanStats stats = { 0 };
	list_format_writer_begin(w, "img", &vol, &stats);
	list_format_writer_row(w, row);
	cr_assert(list_format_writer_end(w, &stats));
	list_format_writer_free(w);
	fclose(out);
	return tmp;
}

Test(list_format, hash_column_member_and_bodyfile_md5)
{
	static const char md5[] = "0123456789abcdef0123456789abcdef";
	RfsEntryInfo e = sample_file();
	ListFormatRow row = { .info = &e, .path = "/x.txt", .recoverable_percent = 75,
			      .hash_name = "md5", .hash = md5 };
	g_autofree char *csv = write_one(LIST_FORMAT_CSV, "md5", &row);
	g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
	cr_assert(g_str_has_suffix(lines[0], ",snapshot,md5"), "%s", lines[0]);
	cr_assert(g_str_has_suffix(lines[1], ",mft,,0123456789abcdef0123456789abcdef"), "%s", lines[1]);

	g_autofree char *body = write_one(LIST_FORMAT_BODYFILE, "md5", &row);
	cr_assert(g_str_has_prefix(body, "0123456789abcdef0123456789abcdef|/x.txt (deleted)|"), "%s", body);

	g_autofree char *text = write_one(LIST_FORMAT_TEXT, "md5", &row);
	cr_assert(strstr(text, "MD5") != NULL && strstr(text, "0123456789abcdef0123456789abcdef  /x.txt") != NULL,
		  "%s", text);

	g_autofree char *json = write_one(LIST_FORMAT_JSON, "md5", &row);
	g_autoptr(JsonNode) doc = json_from_string(json, NULL);
	JsonObject *entry = json_array_get_object_element(
		json_object_get_array_member(json_node_get_object(doc), "entries"), 0);
	cr_assert_str_eq(json_object_get_string_member(entry, "md5"), md5);

	/* a directory (no hash) keeps the column empty; sha256 leaves the bodyfile's MD5 at 0 */
	row.hash = NULL;
	g_autofree char *empty = write_one(LIST_FORMAT_CSV, "md5", &row);
	cr_assert(strstr(empty, ",mft,,\n") != NULL, "%s", empty);
	row.hash_name = "sha256";
	row.hash = "ff";
	g_autofree char *body256 = write_one(LIST_FORMAT_BODYFILE, "sha256", &row);
	cr_assert(g_str_has_prefix(body256, "0|/x.txt"), "%s", body256);
	/* without --hash nothing changes */
	row.hash_name = NULL;
	g_autofree char *plain = write_one(LIST_FORMAT_CSV, NULL, &row);
	cr_assert(strstr(plain, "md5") == NULL && strstr(plain, "sha256") == NULL);
}
