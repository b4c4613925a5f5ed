/* BitLocker recovery passwords as people type them: 48 digits in 8 groups of 6, dashes
 * optional, surrounding white space allowed. Pure text checks; no key is derived here. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/bytes.h"

enum {
	RECOVERY_PASSWORD_DASHED_SIZE = 55, /* 8 groups of 6 digits and 7 dashes, no NUL */
};

/* Checks `text` and writes the dashed form ("123456-...-123456") into out, which is not
 * NUL-terminated. Fails with RFS_ERROR_INVALID naming the bad character's position, the
 * digit count, or the group (1-8) that fails its checksum; messages never quote the digits.
 * On failure out may hold part of the digits: the caller wipes it either way. */
bool recovery_password_normalise(ByteSpan text, char out[RECOVERY_PASSWORD_DASHED_SIZE],
				 GError **error) G_GNUC_WARN_UNUSED_RESULT;
