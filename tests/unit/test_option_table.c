/* src/frontend/option_table.c and option_settings.c: the one table of options both front
 * ends take (no duplicate names, every row documented, --help generated from it) and the
 * conversion of its values that both programs share. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "option_settings.h"
#include "option_table.h"

Test(option_table, rows_are_complete_and_in_id_order)
{
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const OptionSpec *s = &option_table[i];
		cr_assert_eq(s->id, (OptionId)i, "row %zu", i);
		cr_assert(s->long_name != NULL && s->long_name[0] != '\0', "row %zu has no name", i);
		cr_assert(strchr(s->long_name, '_') == NULL, "--%s: long names use dashes", s->long_name);
		cr_assert(s->help != NULL && strlen(s->help) > 10, "--%s has no help", s->long_name);
		cr_assert(s->programs != 0, "--%s: no program takes it", s->long_name);
		cr_assert(s->section < OPTION_SECTION_COUNT);
		if (s->kind == OPTION_FLAG)
			cr_assert_null(s->value_name, "--%s is a flag", s->long_name);
		else
			cr_assert_not_null(s->value_name, "--%s needs a value name", s->long_name);
		if (s->short_name != 0)
			cr_assert(s->programs & OPTION_FOR_SCAN, "-%c: short forms are restorefs-scan's", s->short_name);
	}
}

Test(option_table, no_duplicate_names_keys_or_letters)
{
	g_autoptr(GHashTable) longs = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	bool letters[256] = { false };
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const OptionSpec *s = &option_table[i];
		cr_assert(g_hash_table_add(longs, (gpointer)s->long_name), "--%s twice", s->long_name);
		cr_assert(g_hash_table_add(keys, option_table_key(s)), "-o key of --%s twice", s->long_name);
		if (s->key_alias != NULL)
			cr_assert(g_hash_table_add(keys, g_strdup(s->key_alias)), "-o %s twice", s->key_alias);
		if (s->short_name != 0) {
			cr_assert_not(letters[(unsigned char)s->short_name], "-%c twice", s->short_name);
			letters[(unsigned char)s->short_name] = true;
		}
	}
	/* the mount's own -h, -V, -f, -d, -s and -o must not be taken by a row */
	cr_assert_null(option_table_lookup_key("ro", 2, OPTION_FOR_BOTH));
	cr_assert_null(option_table_lookup_key("allow_other", 11, OPTION_FOR_BOTH));
}

Test(option_table, lookups_by_long_name_and_key)
{
	const OptionSpec *s = option_table_lookup_long("min-recoverable", 15, OPTION_FOR_MOUNT);
	cr_assert_not_null(s);
	cr_assert_eq(s->id, OPTION_MIN_RECOVERABLE);
	cr_assert_eq(option_table_lookup_key("min_recoverable", 15, OPTION_FOR_MOUNT), s);
	cr_assert_null(option_table_lookup_key("min-recoverable", 15, OPTION_FOR_MOUNT));
	cr_assert_eq(option_table_lookup_key("show_live", 9, OPTION_FOR_MOUNT)->id, OPTION_LIVE);
	cr_assert_eq(option_table_lookup_key("live", 4, OPTION_FOR_MOUNT)->id, OPTION_LIVE);
	cr_assert_null(option_table_lookup_long("extract", 7, OPTION_FOR_MOUNT), "scan only");
	cr_assert_null(option_table_lookup_long("uid", 3, OPTION_FOR_SCAN), "mount only");
	cr_assert_null(option_table_lookup_long("min-recoverable-x", 17, OPTION_FOR_BOTH));
}

Test(option_table, help_lists_every_row_of_its_program)
{
	const unsigned programs[] = { OPTION_FOR_SCAN, OPTION_FOR_MOUNT };
	for (size_t p = 0; p < G_N_ELEMENTS(programs); p++) {
		g_autoptr(GString) help = g_string_new(NULL);
		option_table_help(help, programs[p]);
		g_auto(GStrv) lines = g_strsplit(help->str, "\n", -1);
		for (char **l = lines; *l != NULL; l++)
			cr_assert_leq(g_utf8_strlen(*l, -1), 80, "too long: %s", *l);
		for (size_t i = 0; i < OPTION_COUNT; i++) {
			const OptionSpec *s = &option_table[i];
			g_autofree char *dashed = g_strdup_printf("--%s%s", s->long_name,
								  s->kind == OPTION_FLAG ? "" : "=");
			if (s->kind == OPTION_OPTIONAL)
				dashed[strlen(dashed) - 1] = '[';
			bool listed = strstr(help->str, dashed) != NULL;
			cr_assert_eq(listed, (s->programs & programs[p]) != 0, "%s in help of %u", dashed, programs[p]);
			if (programs[p] == OPTION_FOR_MOUNT && (s->programs & OPTION_FOR_MOUNT)) {
				g_autofree char *key = option_table_key(s);
				g_autofree char *o = g_strconcat("-o ", key, NULL);
				cr_assert(strstr(help->str, o) != NULL, "%s", o);
			}
		}
	}
}

static void set(OptionValues *v, OptionId id, const char *value)
{
	g_autofree char *spelling = g_strconcat("--", option_table[id].long_name, NULL);
	option_values_set(v, &option_table[id], value, spelling);
}

Test(option_settings, converts_the_shared_options)
{
	OptionValues v = { 0 };
	set(&v, OPTION_NAME, "*.JPG");
	set(&v, OPTION_MIN_RECOVERABLE, "50%");
	set(&v, OPTION_MODIFIED_AFTER, "2024-03-01");
	set(&v, OPTION_DEEP, "all");
	set(&v, OPTION_LIVE, NULL);
	set(&v, OPTION_OVERWRITTEN, "zero");
	set(&v, OPTION_UNREADABLE, "eio");
	set(&v, OPTION_PASSWORD_FD, "3");
	set(&v, OPTION_PARTITION, "2");
	OptionSettings s;
	g_autoptr(GError) error = NULL;
	cr_assert(option_settings_resolve(&v, &s, &error), "%s", error != NULL ? error->message : "");
	cr_assert_not_null(s.filters.name_glob);
	cr_assert(name_glob_match(s.filters.name_glob, "img_1.jpg"));
	cr_assert_eq(s.filters.min_recoverable, 50);
	cr_assert_neq(s.filters.modified_after, 0);
	cr_assert(s.filters.include_live);
	cr_assert_eq(s.scan_flags, RFS_SCAN_DEEP | RFS_SCAN_DEEP_ALL | RFS_SCAN_INCLUDE_LIVE);
	cr_assert_eq(s.stream.overwritten, RFS_OVERWRITTEN_ZERO);
	cr_assert_eq(s.stream.unreadable, RFS_UNREADABLE_EIO);
	cr_assert_eq(s.secrets.password_fd, 3);
	cr_assert_eq(s.location.partition, 2);
	option_settings_clear(&s);
	option_values_clear(&v);
}

/* A bad value fails with a message that names the option as it was spelled. */
static void assert_rejected(OptionId id, const char *value, const char *spelling, const char *want)
{
	OptionValues v = { 0 };
	option_values_set(&v, &option_table[id], value, spelling);
	OptionSettings s;
	g_autoptr(GError) error = NULL;
	cr_assert_not(option_settings_resolve(&v, &s, &error), "%s=%s accepted", spelling, value);
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	cr_assert(strstr(error->message, want) != NULL, "message: %s", error->message);
	option_settings_clear(&s);
	option_values_clear(&v);
}

Test(option_settings, rejects_bad_values_naming_the_spelling)
{
	assert_rejected(OPTION_MIN_RECOVERABLE, "101", "-o min_recoverable", "-o min_recoverable: '101' is not a percentage");
	assert_rejected(OPTION_MIN_RECOVERABLE, "half", "--min-recoverable", "--min-recoverable: 'half'");
	assert_rejected(OPTION_MODIFIED_BEFORE, "yesterday", "--modified-before", "--modified-before: 'yesterday' is not an ISO 8601");
	assert_rejected(OPTION_DEEP, "some", "--deep", "--deep: 'some' is not 'all'");
	assert_rejected(OPTION_OVERWRITTEN, "keep", "-o overwritten", "-o overwritten: 'keep' is not raw, zero or eio");
	assert_rejected(OPTION_UNREADABLE, "raw", "-o unreadable", "is not zero or eio");
	assert_rejected(OPTION_MIN_SIZE, "lots", "--min-size", "--min-size: 'lots' is not a size");
	assert_rejected(OPTION_PASSWORD_FD, "-1", "--password-fd", "not a file descriptor");
}
