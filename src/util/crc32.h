/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as GPT headers and entry arrays
 * carry it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Continues `crc` over `size` bytes. Start with 0; the result of one call can be fed to the
 * next to checksum data in pieces. crc32_update(0, "123456789", 9) == 0xCBF43926. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t size);
