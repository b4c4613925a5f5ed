/* Rewrites one name so that FAT and exFAT can hold it. Pure string work: the caller keeps
 * the names already used in a folder and asks for a collision name when one repeats. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "portable_name.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

static bool is_forbidden(unsigned char c)
{
	return c < 0x20 || c == 0x7F || strchr("\"*/:<>?\\|", c) != NULL;
}

/* Whether the `length` bytes at `base` are a reserved DOS device name. */
static bool is_reserved(const char *base, size_t length)
{
	static const char *const plain[] = { "CON", "PRN", "AUX", "NUL" };
	for (size_t i = 0; i < G_N_ELEMENTS(plain); i++) {
		if (length == 3 && g_ascii_strncasecmp(base, plain[i], 3) == 0)
			return true;
	}
	return length == 4 && (g_ascii_strncasecmp(base, "COM", 3) == 0 || g_ascii_strncasecmp(base, "LPT", 3) == 0) &&
	       base[3] >= '1' && base[3] <= '9';
}

char *portable_name_of(const char *name)
{
	GString *out = g_string_new(NULL);
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		g_string_append_c(out, is_forbidden(*p) ? '_' : (char)*p);
	while (out->len > 0 && (out->str[out->len - 1] == '.' || out->str[out->len - 1] == ' '))
		g_string_truncate(out, out->len - 1);
	if (out->len == 0)
		g_string_append_c(out, '_');
	const char *dot = strchr(out->str, '.');
	size_t base = dot != NULL ? (size_t)(dot - out->str) : out->len;
	if (is_reserved(out->str, base))
		g_string_insert_c(out, (gssize)base, '_');
	return g_string_free(out, FALSE);
}

char *portable_name_collision(const char *name, uint64_t record_number, unsigned attempt)
{
	g_autofree char *tag = attempt > 1 ? g_strdup_printf("mft %" PRIu64 ", %u", record_number, attempt)
					   : g_strdup_printf("mft %" PRIu64, record_number);
	const char *dot = strrchr(name, '.');
	if (dot == NULL || dot == name)
		return g_strdup_printf("%s (%s)", name, tag);
	return g_strdup_printf("%.*s (%s)%s", (int)(dot - name), name, tag, dot);
}
