/* Table-driven CRC-32 for GPT checksums. The 1 KiB table is built once, on first use;
 * nothing here allocates. */
#define G_LOG_DOMAIN "restorefs-util"

#include "util/crc32.h"

#include <glib.h>

static uint32_t crc32_table[256];

static void crc32_table_init(void)
{
	static gsize done = 0;
	if (!g_once_init_enter(&done))
		return;
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc32_table[n] = c;
	}
	g_once_init_leave(&done, 1);
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t size)
{
	const uint8_t *p = data;
	crc32_table_init();
	crc = ~crc;
	for (size_t i = 0; i < size; i++)
		crc = crc32_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
	return ~crc;
}
