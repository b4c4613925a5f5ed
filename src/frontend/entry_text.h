/* Entry times and flags as text, the same in restorefs-scan's listings and in restorefs's
 * user.restorefs.* extended attributes. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "restorefs/restorefs.h"

/* "2026-11-24T02:49:45.1234567Z" (28 chars + NUL, more for years past 9999); "" for
 * FILETIME 0. */
#define ENTRY_TEXT_ISO_SIZE 40
void entry_text_filetime_iso(int64_t filetime, char out[ENTRY_TEXT_ISO_SIZE]);
/* Appends v in decimal (printf-free: listings write millions of numbers). */
void entry_text_append_u64(GString *out, uint64_t v);
/* Whole Unix seconds (floor) of a FILETIME; 0 for FILETIME 0. */
int64_t entry_text_filetime_unix(int64_t filetime);
/* Appends the words of the RfsEntryFlags set in `flags` ("directory", "removed", "orphan",
 * "stream", "synthetic", "compressed", "sparse", "encrypted", "incomplete", "resident", in
 * that order), `separator` between them; nothing when none is set. */
void entry_text_flags(GString *out, uint32_t flags, const char *separator);
