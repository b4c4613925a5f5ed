/* LZNT1, the compression of NTFS compressed files (per compression unit, 4 KiB chunks). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/bytes.h"

/* Decompresses the chunks in `in` into out[0 .. out_size). Stops at a zero chunk header,
 * the end of `in`, or when out is full. *out_length = bytes produced (a short result means
 * the rest of the unit is zeros). Fails (RFS_ERROR_CORRUPT) on a chunk that runs past `in`,
 * a back-reference before the start of its chunk, or a chunk that decodes to more than
 * 4096 bytes. Uncompressed chunks (bit 15 clear) are copied. A chunk that decodes short
 * is zero-padded to 4096 bytes when another chunk follows it. Besides out[0 .. *out_length)
 * only up to 8 bytes after it may be written, with zeros; on failure out holds garbage. */
bool lznt1_decompress(ByteSpan in, uint8_t *out, size_t out_size, size_t *out_length,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT;
