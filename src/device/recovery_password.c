/* Recovery password format and checksum: each 6-digit group is a multiple of 11 below
 * 11 * 65536 and encodes 16 bits of the key. This file only checks and reformats the
 * text; it never logs or quotes it. */
#define G_LOG_DOMAIN "restorefs-device"

#include "device/recovery_password.h"
#include "util/error.h"

bool recovery_password_normalise(ByteSpan text, char out[RECOVERY_PASSWORD_DASHED_SIZE],
				 GError **error)
{
	const uint8_t *data = text.data;
	size_t size = text.size;
	size_t digits = 0;
	while (size > 0 && g_ascii_isspace(data[size - 1])) /* a key file's newline */
		size--;
	while (size > 0 && g_ascii_isspace(data[0])) {
		data++;
		size--;
	}
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '-' && digits % 6 == 0 && digits > 0 && digits < 48 && data[i - 1] != '-')
			continue;
		if (!g_ascii_isdigit(data[i]))
			return rfs_set_error(error, RFS_ERROR_INVALID,
					     "recovery password: character %zu is neither a digit nor a dash between groups of 6",
					     i + 1);
		if (digits < 48)
			out[digits / 6 * 7 + digits % 6] = (char)data[i];
		digits++;
	}
	if (digits != 48)
		return rfs_set_error(error, RFS_ERROR_INVALID,
				     "recovery password has %zu digits; expected 48 digits in 8 groups of 6 (dashes optional)",
				     digits);
	for (unsigned g = 0; g < 8; g++) {
		uint32_t value = 0;
		for (unsigned k = 0; k < 6; k++)
			value = value * 10 + (uint32_t)(out[g * 7 + k] - '0');
		if (g < 7)
			out[g * 7 + 6] = '-';
		if (value % 11 != 0 || value / 11 >= 65536)
			return rfs_set_error(error, RFS_ERROR_INVALID,
					     "recovery password: group %u fails its checksum (each 6-digit group is a multiple of 11 below 720896); check that group for a typo",
					     g + 1);
	}
	return true;
}
