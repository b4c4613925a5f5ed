/* How both front ends write an entry's times, flags and states as text: ISO 8601 UTC from
 * FILETIME over the whole FILETIME range, the flag and state words, and names escaped for a
 * terminal. Pure functions: no context, no I/O. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "entry_text.h"

#include <inttypes.h>
#include <string.h>

/* ---- sizes ------------------------------------------------------------------------------------ */

void entry_text_size(uint64_t bytes, char out[ENTRY_TEXT_SIZE_SIZE])
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	if (bytes < 1024) {
		g_snprintf(out, ENTRY_TEXT_SIZE_SIZE, "%" PRIu64 " B", bytes);
		return;
	}
	unsigned u = 0;
	uint64_t unit = 1024;
	while (u + 1 < G_N_ELEMENTS(units) && bytes / unit >= 1024) {
		unit <<= 10;
		u++;
	}
	/* Tenths, rounded half up, in integers: bytes / unit * 10 cannot overflow. */
	uint64_t tenths = bytes / unit * 10 + ((bytes % unit) * 10 + unit / 2) / unit;
	g_snprintf(out, ENTRY_TEXT_SIZE_SIZE, "%" PRIu64 ".%u %s", tenths / 10, (unsigned)(tenths % 10),
		   units[u]);
}

const char *entry_text_plural(uint64_t count, const char *singular, const char *plural)
{
	return count == 1 ? singular : plural;
}

void entry_text_count(GString *out, uint64_t count, const char *singular, const char *plural)
{
	g_string_append_printf(out, "%" PRIu64 " %s", count, entry_text_plural(count, singular, plural));
}

/* ---- time ------------------------------------------------------------------------------------ */

enum {
	TICKS_PER_SECOND = 10000000,
	SECONDS_PER_DAY = 86400,
};
/* Seconds from 1601-01-01 (FILETIME epoch) to 1970-01-01 (Unix epoch). */
#define FILETIME_UNIX_OFFSET INT64_C(11644473600)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* "00" .. "99": two digits a step, half the divisions. */
static const char digit_pairs[201] =
	"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
	"5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

static inline char *put_pair(char *p, unsigned v)
{
	memcpy(p, &digit_pairs[2 * v], 2);
	return p + 2;
}

/* Writes v as exactly `width` decimal digits (v < 10^width). */
static void put_digits(char **p, uint64_t v, unsigned width)
{
	unsigned i = width;
	for (; i >= 2; i -= 2) {
		memcpy(*p + i - 2, &digit_pairs[2 * (v % 100)], 2);
		v /= 100;
	}
	if (i == 1)
		(*p)[0] = (char)('0' + v % 10);
	*p += width;
}

bool entry_text_parse_time(const char *text, int64_t *filetime)
{
	size_t n = strlen(text);
	g_autofree char *iso = n == 10 ? g_strconcat(text, "T00:00:00", NULL) : g_strdup(text);
	if (strlen(iso) > 10 && iso[10] == ' ')
		iso[10] = 'T';
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(iso, utc);
	if (t == NULL)
		return false;
	int64_t secs = g_date_time_to_unix(t) + FILETIME_UNIX_OFFSET;
	if (secs <= 0)
		return false;
	*filetime = secs * TICKS_PER_SECOND + (int64_t)g_date_time_get_microsecond(t) * 10;
	return true;
}

int64_t entry_text_filetime_unix(int64_t filetime)
{
	if (filetime == 0)
		return 0;
	return floor_div(filetime, TICKS_PER_SECOND) - FILETIME_UNIX_OFFSET;
}

/* Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days),
 * valid for the whole FILETIME range where GDateTime stops at year 9999. */
static void civil_from_days(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

/* "YYYY-MM-DD" of a day count since 1970-01-01 in 0..9999 years, or false. Listings ask for
 * five times an entry, mostly of a few days: the last day asked is kept per thread. */
static bool day_text(int64_t days, char out[10])
{
	static __thread int64_t cached_days = INT64_MIN;
	static __thread char cached[10];
	if (days != cached_days) {
		int64_t year;
		unsigned month, day;
		civil_from_days(days, &year, &month, &day);
		if (year < 0 || year > 9999)
			return false;
		char *p = cached;
		put_digits(&p, (uint64_t)year, 4);
		*p++ = '-';
		put_digits(&p, month, 2);
		*p++ = '-';
		put_digits(&p, day, 2);
		cached_days = days;
	}
	memcpy(out, cached, sizeof cached);
	return true;
}

void entry_text_filetime_iso(int64_t filetime, char out[ENTRY_TEXT_ISO_SIZE])
{
	if (filetime == 0) {
		out[0] = '\0';
		return;
	}
	int64_t secs_1601 = floor_div(filetime, TICKS_PER_SECOND);
	int64_t ticks = filetime - secs_1601 * TICKS_PER_SECOND;
	int64_t unix_secs = secs_1601 - FILETIME_UNIX_OFFSET;
	int64_t days = floor_div(unix_secs, SECONDS_PER_DAY);
	unsigned sod = (unsigned)(unix_secs - days * SECONDS_PER_DAY);
	if (!day_text(days, out)) { /* rare: keep the general path */
		int64_t year;
		unsigned month, day;
		civil_from_days(days, &year, &month, &day);
		g_snprintf(out, ENTRY_TEXT_ISO_SIZE, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%07" PRId64 "Z",
			   year, month, day, sod / 3600, sod / 60 % 60, sod % 60, ticks);
		return;
	}
	/* digits by hand, no printf */
	char *p = out + 10;
	*p++ = 'T';
	p = put_pair(p, sod / 3600);
	*p++ = ':';
	p = put_pair(p, sod / 60 % 60);
	*p++ = ':';
	p = put_pair(p, sod % 60);
	*p++ = '.';
	put_digits(&p, (uint32_t)ticks, 7);
	*p++ = 'Z';
	*p = '\0';
}

char *entry_text_put_filetime_iso(char *out, int64_t filetime)
{
	static __thread int64_t last = 0;
	static __thread char text[ENTRY_TEXT_ISO_SIZE];
	static __thread size_t length;
	if (filetime != last) {
		entry_text_filetime_iso(filetime, text);
		length = strlen(text);
		last = filetime;
	}
	memcpy(out, text, ENTRY_TEXT_ISO_SIZE);
	return out + length;
}

void entry_text_filetime_short(int64_t filetime, char out[ENTRY_TEXT_ISO_SIZE])
{
	entry_text_filetime_iso(filetime, out);
	char *t = strchr(out, 'T'), *dot = strchr(out, '.');
	if (t != NULL)
		*t = ' ';
	if (dot != NULL)
		*dot = '\0';
}

char *entry_text_put_u64(char *out, uint64_t v)
{
	char buf[20];
	char *p = buf + sizeof buf;
	while (v >= 100) {
		p -= 2;
		memcpy(p, &digit_pairs[2 * (v % 100)], 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, &digit_pairs[2 * v], 2);
	} else {
		*--p = (char)('0' + v);
	}
	size_t n = (size_t)(buf + sizeof buf - p);
	memcpy(out, p, n);
	return out + n;
}

void entry_text_append_u64(GString *out, uint64_t v)
{
	char buf[20];
	entry_text_append_len(out, buf, (size_t)(entry_text_put_u64(buf, v) - buf));
}

/* ---- flags ----------------------------------------------------------------------------------- */

static const struct {
	uint32_t flag;
	const char *word;
} flag_words[] = {
	{ RFS_ENTRY_DIRECTORY, "directory" },   { RFS_ENTRY_REMOVED, "removed" },
	{ RFS_ENTRY_ORPHAN, "orphan" },         { RFS_ENTRY_STREAM, "stream" },
	{ RFS_ENTRY_SYNTHETIC, "synthetic" },   { RFS_ENTRY_COMPRESSED, "compressed" },
	{ RFS_ENTRY_SPARSE, "sparse" },         { RFS_ENTRY_ENCRYPTED, "encrypted" },
	{ RFS_ENTRY_INCOMPLETE, "incomplete" }, { RFS_ENTRY_RESIDENT, "resident" },
	{ RFS_ENTRY_CARVED, "carved" },
	{ RFS_ENTRY_GHOST, "ghost" },
};

char *entry_text_put_flags(char *out, uint32_t flags, char separator)
{
	char *p = out;
	for (size_t i = 0; i < G_N_ELEMENTS(flag_words); i++) {
		if (!(flags & flag_words[i].flag))
			continue;
		if (p != out)
			*p++ = separator;
		size_t n = strlen(flag_words[i].word);
		memcpy(p, flag_words[i].word, n);
		p += n;
	}
	return p;
}

void entry_text_flags(GString *out, uint32_t flags, char separator)
{
	char words[ENTRY_TEXT_FLAGS_MAX];
	g_string_append_len(out, words, entry_text_put_flags(words, flags, separator) - words);
}

/* ---- states ---------------------------------------------------------------------------------- */

const char *entry_text_state_words(RfsEntryState state)
{
	static const char *const words[RFS_STATE_COUNT] = {
		[RFS_STATE_INTACT] = "intact",
		[RFS_STATE_PARTLY_OVERWRITTEN] = "partly overwritten",
		[RFS_STATE_OVERWRITTEN] = "overwritten",
		[RFS_STATE_INCOMPLETE] = "incomplete",
		[RFS_STATE_CONTESTED] = "possibly overwritten",
	};
	return (unsigned)state < RFS_STATE_COUNT ? words[state] : "unknown";
}

void entry_text_state_counts(GString *out, const uint64_t counts[RFS_STATE_COUNT])
{
	for (unsigned i = 0; i < RFS_STATE_COUNT; i++) {
		if (i != RFS_STATE_INTACT && counts[i] == 0)
			continue;
		if (i != RFS_STATE_INTACT)
			g_string_append(out, ", ");
		entry_text_append_u64(out, counts[i]);
		g_string_append_c(out, ' ');
		g_string_append(out, entry_text_state_words((RfsEntryState)i));
	}
}

/* ---- names ----------------------------------------------------------------------------------- */

static void escape_octal(GString *out, uint8_t byte)
{
	g_string_append_c(out, '\\');
	g_string_append_c(out, (char)('0' + (byte >> 6)));
	g_string_append_c(out, (char)('0' + ((byte >> 3) & 7)));
	g_string_append_c(out, (char)('0' + (byte & 7)));
}

void entry_text_escape(GString *out, const char *text)
{
	static const char letters[] = "abtnvfr"; /* the C escapes of 0x07 .. 0x0D */
	for (const char *p = text; *p != '\0';) {
		uint8_t c = (uint8_t)*p;
		if (c == '\\') {
			g_string_append(out, "\\\\");
			p++;
		} else if (c >= 0x07 && c <= 0x0D) {
			g_string_append_c(out, '\\');
			g_string_append_c(out, letters[c - 0x07]);
			p++;
		} else if (c < 0x20 || c == 0x7F) {
			escape_octal(out, c);
			p++;
		} else if (c < 0x80) {
			g_string_append_c(out, (char)c);
			p++;
		} else {
			gunichar u = g_utf8_get_char_validated(p, -1);
			if (u == (gunichar)-1 || u == (gunichar)-2) {
				escape_octal(out, c); /* not UTF-8: this byte alone */
				p++;
				continue;
			}
			const char *next = g_utf8_next_char(p);
			for (; p < next; p++) {
				if (u >= 0x80 && u <= 0x9F) /* C1 controls: CSI and friends */
					escape_octal(out, (uint8_t)*p);
				else
					g_string_append_c(out, *p);
			}
		}
	}
}
