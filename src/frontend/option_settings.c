/* Converts and checks the shared options' values for both front ends. Every message starts
 * with the option as the user spelled it; nothing here prints or exits. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "option_settings.h"

#include "entry_text.h"

#include <limits.h>
#include <string.h>

static bool invalid(GError **error, const OptionValues *v, OptionId id, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static bool invalid(GError **error, const OptionValues *v, OptionId id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, RFS_ERROR, RFS_ERROR_INVALID, "%s: %s",
		    v->spelling[id] != NULL ? v->spelling[id] : option_table[id].long_name, message);
	return false;
}

static bool parse_size(const OptionValues *v, OptionId id, uint64_t *out, GError **error)
{
	g_autoptr(GError) local = NULL;
	if (!v->given[id])
		return true;
	if (!common_opts_parse_size(v->value[id], out, &local))
		return invalid(error, v, id, "%s", local->message);
	return true;
}

static bool parse_time(const OptionValues *v, OptionId id, int64_t *out, GError **error)
{
	if (v->given[id] && !entry_text_parse_time(v->value[id], out))
		return invalid(error, v, id, "'%s' is not an ISO 8601 time (2024-03-01T14:30:00Z) or a date (2024-03-01)",
			       v->value[id]);
	return true;
}

/* "80" or "80%", 0 to 100. */
static bool parse_percent(const OptionValues *v, OptionId id, unsigned *out, GError **error)
{
	if (!v->given[id])
		return true;
	const char *text = v->value[id];
	g_autofree char *digits = g_strdup(text);
	size_t n = strlen(digits);
	if (n > 0 && digits[n - 1] == '%')
		digits[n - 1] = '\0';
	guint64 percent = 0;
	if (!g_ascii_string_to_unsigned(digits, 10, 0, 100, &percent, NULL))
		return invalid(error, v, id, "'%s' is not a percentage (a whole number from 0 to 100)", text);
	*out = (unsigned)percent;
	return true;
}

static bool resolve_filters(const OptionValues *v, OptionSettings *s, GError **error)
{
	Filters *f = &s->filters;
	if (v->given[OPTION_NAME])
		filters_set_name(f, v->value[OPTION_NAME], v->given[OPTION_CASE_SENSITIVE]);
	if (!parse_size(v, OPTION_MIN_SIZE, &f->min_size_bytes, error) ||
	    !parse_size(v, OPTION_MAX_SIZE, &f->max_size_bytes, error))
		return false;
	if (f->min_size_bytes > f->max_size_bytes)
		return invalid(error, v, OPTION_MIN_SIZE, "larger than %s", v->spelling[OPTION_MAX_SIZE]);
	if (!parse_percent(v, OPTION_MIN_RECOVERABLE, &f->min_recoverable, error))
		return false;
	if (!parse_time(v, OPTION_DELETED_AFTER, &f->deleted_after, error) ||
	    !parse_time(v, OPTION_DELETED_BEFORE, &f->deleted_before, error) ||
	    !parse_time(v, OPTION_MODIFIED_AFTER, &f->modified_after, error) ||
	    !parse_time(v, OPTION_MODIFIED_BEFORE, &f->modified_before, error))
		return false;
	if (f->deleted_before != 0 && f->deleted_after >= f->deleted_before)
		return invalid(error, v, OPTION_DELETED_AFTER, "not before %s", v->spelling[OPTION_DELETED_BEFORE]);
	if (f->modified_before != 0 && f->modified_after >= f->modified_before)
		return invalid(error, v, OPTION_MODIFIED_AFTER, "not before %s", v->spelling[OPTION_MODIFIED_BEFORE]);
	f->include_live = v->given[OPTION_LIVE];
	f->no_directories = v->given[OPTION_NO_DIRECTORIES];
	return true;
}

static bool resolve_scan(const OptionValues *v, OptionSettings *s, GError **error)
{
	if (v->given[OPTION_LIVE])
		s->scan_flags |= RFS_SCAN_INCLUDE_LIVE;
	bool snapshots = !v->given[OPTION_NO_SNAPSHOTS];
	g_autoptr(GError) local = NULL;
	if (v->given[OPTION_SNAPSHOTS] && !common_opts_parse_snapshots(v->value[OPTION_SNAPSHOTS], &snapshots, &local))
		return invalid(error, v, OPTION_SNAPSHOTS, "%s", local->message);
	if (v->given[OPTION_SNAPSHOTS] && v->given[OPTION_NO_SNAPSHOTS] && snapshots)
		return invalid(error, v, OPTION_SNAPSHOTS, "contradicts %s", v->spelling[OPTION_NO_SNAPSHOTS]);
	if (!snapshots)
		s->scan_flags |= RFS_SCAN_NO_SNAPSHOTS;
	if (!v->given[OPTION_DEEP])
		return true;
	const char *deep = v->value[OPTION_DEEP];
	if (deep == NULL || strcmp(deep, "free") == 0)
		s->scan_flags |= RFS_SCAN_DEEP;
	else if (strcmp(deep, "all") == 0)
		s->scan_flags |= RFS_SCAN_DEEP | RFS_SCAN_DEEP_ALL;
	else
		return invalid(error, v, OPTION_DEEP, "'%s' is not 'all' (or nothing: the free clusters)", deep);
	return true;
}

static bool resolve_stream(const OptionValues *v, OptionSettings *s, GError **error)
{
	s->stream = (RfsStreamOptions){ .overwritten = RFS_OVERWRITTEN_RAW, .unreadable = RFS_UNREADABLE_ZERO };
	g_autoptr(GError) local = NULL;
	if (v->given[OPTION_OVERWRITTEN] &&
	    !common_opts_parse_overwritten(v->value[OPTION_OVERWRITTEN], &s->stream.overwritten, &local))
		return invalid(error, v, OPTION_OVERWRITTEN, "%s", local->message);
	const char *unreadable = v->value[OPTION_UNREADABLE];
	if (unreadable != NULL && strcmp(unreadable, "eio") == 0)
		s->stream.unreadable = RFS_UNREADABLE_EIO;
	else if (unreadable != NULL && strcmp(unreadable, "zero") != 0)
		return invalid(error, v, OPTION_UNREADABLE, "'%s' is not zero or eio", unreadable);
	return true;
}

/* common_opts.c names the location options "--start-sector" and so on; the mount's user
 * may have written "-o start_sector": say it as they did. */
static void respell(GError *error, const OptionValues *v)
{
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const OptionSpec *spec = &option_table[i];
		if (!v->given[i] || v->spelling[i] == NULL || spec->section != OPTION_SECTION_LOCATION)
			continue;
		g_autofree char *dashed = g_strconcat("--", spec->long_name, NULL);
		if (strcmp(dashed, v->spelling[i]) == 0)
			continue;
		g_auto(GStrv) parts = g_strsplit(error->message, dashed, -1);
		char *message = g_strjoinv(v->spelling[i], parts);
		g_free(error->message);
		error->message = message;
	}
}

static bool resolve_location(const OptionValues *v, OptionSettings *s, GError **error)
{
	CommonOptsLocationArgs args = {
		.start_sector = g_strdup(v->value[OPTION_START_SECTOR]),
		.boot_sector = g_strdup(v->value[OPTION_BOOT_SECTOR]),
		.sector_size = g_strdup(v->value[OPTION_SECTOR_SIZE]),
		.offset = g_strdup(v->value[OPTION_OFFSET]),
		.partition = g_strdup(v->value[OPTION_PARTITION]),
		.force = v->given[OPTION_FORCE],
		.bitlocker = g_strdup(v->value[OPTION_BITLOCKER]),
	};
	bool ok = common_opts_location_resolve(&args, &s->location, error);
	common_opts_location_args_clear(&args);
	if (!ok && error != NULL)
		respell(*error, v);
	return ok;
}

static bool resolve_secrets(const OptionValues *v, OptionSettings *s, GError **error)
{
	s->secrets.password_file = g_strdup(v->value[OPTION_PASSWORD_FILE]);
	s->secrets.recovery_password_file = g_strdup(v->value[OPTION_RECOVERY_PASSWORD_FILE]);
	s->secrets.startup_key = g_strdup(v->value[OPTION_STARTUP_KEY]);
	s->secrets.key_file = g_strdup(v->value[OPTION_KEY_FILE]);
	if (!v->given[OPTION_PASSWORD_FD])
		return true;
	guint64 fd = 0;
	if (!g_ascii_string_to_unsigned(v->value[OPTION_PASSWORD_FD], 10, 0, INT_MAX, &fd, NULL))
		return invalid(error, v, OPTION_PASSWORD_FD, "'%s' is not a file descriptor",
			       v->value[OPTION_PASSWORD_FD]);
	s->secrets.password_fd = (int)fd;
	return true;
}

bool option_settings_resolve(const OptionValues *values, OptionSettings *out, GError **error)
{
	*out = (OptionSettings){ .filters = FILTERS_INIT, .secrets = COMMON_OPTS_SECRET_ARGS_INIT };
	out->quiet = values->given[OPTION_QUIET];
	return resolve_filters(values, out, error) && resolve_scan(values, out, error) &&
	       resolve_stream(values, out, error) && resolve_location(values, out, error) &&
	       resolve_secrets(values, out, error);
}

void option_settings_clear(OptionSettings *settings)
{
	filters_clear(&settings->filters);
	common_opts_secret_args_clear(&settings->secrets);
}
