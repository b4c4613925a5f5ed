/* UTF-16LE names from disk to UTF-8 for Linux. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/bytes.h"

/* Converts `units` UTF-16LE code units at `data` to a newly allocated NUL-terminated UTF-8
 * string (g_free). Never fails: unpaired surrogates become U+FFFD; '/' and NUL, which no
 * Linux name may hold, become U+2215 (division slash) and U+2400 (symbol for null). */
char *utf16_to_utf8_name(const uint8_t *data, size_t units);

/* Converts UTF-8 to UTF-16LE (for comparing with on-disk names). Returns a newly allocated
 * array of *units code units (g_free), or NULL (*units = 0) if `utf8` is not valid UTF-8.
 * The units are little-endian in memory, as on disk, so memcmp with raw names works. */
uint16_t *utf16_from_utf8(const char *utf8, size_t *units);
