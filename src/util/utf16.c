/* UTF-16LE names from disk to UTF-8 and back. Decoding never fails: whatever the disk
 * holds becomes a usable Linux name (unpaired surrogates, '/' and NUL are replaced), so
 * a damaged name still lists. Encoding is strict and refuses invalid UTF-8. */
#define G_LOG_DOMAIN "restorefs-util"

#include "util/utf16.h"

#include <glib.h>

enum {
	UTF16_REPLACEMENT = 0xFFFD, /* unpaired surrogate */
	UTF16_SLASH_STANDIN = 0x2215, /* DIVISION SLASH for '/' */
	UTF16_NUL_STANDIN = 0x2400,   /* SYMBOL FOR NULL for U+0000 */
};

static char *put_utf8(char *p, uint32_t c)
{
	if (c < 0x80) {
		*p++ = (char)c;
	} else if (c < 0x800) {
		*p++ = (char)(0xC0 | c >> 6);
		*p++ = (char)(0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		*p++ = (char)(0xE0 | c >> 12);
		*p++ = (char)(0x80 | ((c >> 6) & 0x3F));
		*p++ = (char)(0x80 | (c & 0x3F));
	} else {
		*p++ = (char)(0xF0 | c >> 18);
		*p++ = (char)(0x80 | ((c >> 12) & 0x3F));
		*p++ = (char)(0x80 | ((c >> 6) & 0x3F));
		*p++ = (char)(0x80 | (c & 0x3F));
	}
	return p;
}

char *utf16_to_utf8_name(const uint8_t *data, size_t units)
{
	g_return_val_if_fail(data != NULL || units == 0, NULL);
	/* At most 3 bytes per unit: a surrogate pair (2 units) takes 4. */
	g_return_val_if_fail(units <= (G_MAXSIZE - 1) / 3, NULL);

	char *out = g_malloc(units * 3 + 1);
	char *p = out;
	for (size_t i = 0; i < units; i++) {
		uint32_t c = le16_at(data + 2 * i);
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
			uint32_t low = le16_at(data + 2 * (i + 1));
			if (low >= 0xDC00 && low <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
				i++;
			}
		}
		if (c >= 0xD800 && c <= 0xDFFF)
			c = UTF16_REPLACEMENT;
		else if (c == '/')
			c = UTF16_SLASH_STANDIN;
		else if (c == 0)
			c = UTF16_NUL_STANDIN;
		p = put_utf8(p, c);
	}
	*p = '\0';
	return out;
}

uint16_t *utf16_from_utf8(const char *utf8, size_t *units)
{
	g_return_val_if_fail(utf8 != NULL && units != NULL, NULL);

	glong n = 0;
	gunichar2 *u = g_utf8_to_utf16(utf8, -1, NULL, &n, NULL);
	if (u == NULL) {
		*units = 0;
		return NULL;
	}
	/* Little-endian in memory, as on disk, so a caller may memcmp with raw names. */
	for (glong i = 0; i < n; i++)
		u[i] = GUINT16_TO_LE(u[i]);
	*units = (size_t)n;
	return u;
}
