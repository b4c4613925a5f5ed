/* libFuzzer target: fixup_apply on a writable copy of arbitrary bytes. */
#include <glib.h>
#include <string.h>

#include "ntfs/fixup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = g_memdup2(data, size ? size : 1);
	GError *error = NULL;
	if (!fixup_apply(copy, size, &error)) {
		g_assert(memcmp(copy, data, size) == 0); /* a rejected record stays as read */
		g_clear_error(&error);
	}
	g_free(copy);
	return 0;
}
