/* Update sequence arrays ("fixups") of multi-sector records: FILE and INDX. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	FIXUP_STRIDE = 512, /* NTFS protects every 512 bytes, whatever the sector size */
};

/* Checks and applies the update sequence array of `record` (size bytes, a multiple of
 * FIXUP_STRIDE) in place. Reads the USA offset (u16 at 0x04) and count (u16 at 0x06).
 * Fails with RFS_ERROR_CORRUPT if the array lies outside the record, its count does not
 * match size / FIXUP_STRIDE + 1, or a stride's last two bytes differ from the sequence
 * number (a torn write). Every check runs before any byte is written, so on failure the
 * record is left exactly as it was (and must not be used as a parsed record). The array
 * must lie in the first stride, before its last two bytes, at an even offset >= 8. */
bool fixup_apply(uint8_t *record, size_t size, GError **error) G_GNUC_WARN_UNUSED_RESULT;
