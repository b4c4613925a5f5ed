/* libFuzzer target: boot_sector_parse on arbitrary bytes. */
#include <glib.h>

#include "ntfs/boot_sector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	BootSector bs;
	GError *error = NULL;
	if (!boot_sector_parse(byte_span(data, size), &bs, &error))
		g_clear_error(&error);
	return 0;
}
