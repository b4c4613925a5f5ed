/* Names that FAT and exFAT can hold (restorefs-scan --extract --portable-names). */
#pragma once

#include <glib.h>
#include <stdint.h>

/* `name` (one path component, UTF-8) rewritten for FAT/exFAT: '"', '*', '/', ':', '<', '>',
 * '?', '\', '|' and control characters become '_', trailing dots and spaces are dropped,
 * a reserved DOS device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, whatever the case and
 * with or without an extension) gets '_' after its base ("CON" -> "CON_", "nul.txt" ->
 * "nul_.txt"); a name left empty becomes "_". A stream "file:stream" thus becomes
 * "file_stream". Returns a new string (g_free). */
char *portable_name_of(const char *name);

/* The name a rewritten `name` takes when another entry of its folder already has it, in
 * the index's collision style: "a (mft 42).txt", then "a (mft 42, 2).txt" for
 * attempt 2 and on. */
char *portable_name_collision(const char *name, uint64_t record_number, unsigned attempt);
