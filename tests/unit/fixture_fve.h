/* Builders for BitLocker volume headers and FVE metadata block copies, for unit tests. */
#pragma once

#include <glib.h>
#include <string.h>

#include "device/fve_metadata.h"
#include "util/bytes.h"
#include "util/crc32.h"

static const uint8_t FIXTURE_FVE_GUID[16] = {
	0x3b, 0xd6, 0x67, 0x49, 0x29, 0x2e, 0xd8, 0x4a, 0x83, 0x99, 0xf6, 0xa3, 0x39, 0xe3, 0xd0, 0x01,
};
static const uint8_t FIXTURE_FVE_GUID_EOW[16] = {
	0x3b, 0x4d, 0xa8, 0x92, 0x80, 0xdd, 0x0e, 0x4d, 0x9e, 0x4e, 0xb1, 0xe3, 0x28, 0x4e, 0xae, 0xd8,
};
/* e9726fab-7656-4bc5-bb9e-adf115953328, as bitlk-aes-cbc-128 stores it */
static const uint8_t FIXTURE_FVE_VOLUME_GUID[16] = {
	0xab, 0x6f, 0x72, 0xe9, 0x56, 0x76, 0xc5, 0x4b, 0xbb, 0x9e, 0xad, 0xf1, 0x15, 0x95, 0x33, 0x28,
};
#define FIXTURE_FVE_VOLUME_GUID_TEXT "e9726fab-7656-4bc5-bb9e-adf115953328"
#define FIXTURE_FVE_FILETIME 132067306789876543LL

/* A Windows 7+ header naming three copies (Vista: only `vista_lcn`, when not 0). */
static inline void fixture_fve_header_build(uint8_t hdr[512], const uint64_t offsets[3],
					    uint64_t vista_lcn)
{
	memset(hdr, 0, 512);
	memcpy(hdr + 3, "-FVE-FS-", 8);
	le16_put(hdr + 0x0B, 512);
	hdr[0x0D] = 8;
	if (vista_lcn != 0) {
		le64_put(hdr + 0x38, vista_lcn);
		return;
	}
	memcpy(hdr + 0xA0, FIXTURE_FVE_GUID, 16);
	for (int i = 0; i < 3; i++)
		le64_put(hdr + 0xB0 + 8 * i, offsets[i]);
}

typedef struct {
	uint8_t data[4096];
	size_t used; /* end of the entries */
} FixtureFveBlock;

static inline void fixture_fve_block_start(FixtureFveBlock *b, uint16_t method)
{
	memset(b, 0, sizeof *b);
	memcpy(b->data, "-FVE-FS-", 8);
	le16_put(b->data + 0x0A, 2);
	le16_put(b->data + 0x0C, FVE_STATE_ENCRYPTED);
	le16_put(b->data + 0x0E, FVE_STATE_ENCRYPTED);
	le64_put(b->data + 0x10, 1 << 20);
	memcpy(b->data + 0x50, FIXTURE_FVE_VOLUME_GUID, 16);
	le16_put(b->data + 0x64, method);
	le64_put(b->data + 0x68, (uint64_t)FIXTURE_FVE_FILETIME);
	b->used = 0x70;
}

static inline uint8_t *fixture_fve_block_entry(FixtureFveBlock *b, uint16_t size, uint16_t type,
					       uint16_t value)
{
	uint8_t *e = b->data + b->used;
	le16_put(e, size);
	le16_put(e + 2, type);
	le16_put(e + 4, value);
	le16_put(e + 6, 1);
	b->used += size;
	return e;
}

static inline void fixture_fve_block_vmk(FixtureFveBlock *b, uint8_t guid_first_byte,
					 uint16_t protection)
{
	uint8_t *e = fixture_fve_block_entry(b, 0x50, 0x0002, 0x0008);
	memset(e + 8, guid_first_byte, 16);
	le16_put(e + 0x22, protection);
}

static inline void fixture_fve_block_description(FixtureFveBlock *b, const char *ascii)
{
	size_t n = strlen(ascii);
	uint8_t *e = fixture_fve_block_entry(b, (uint16_t)(8 + 2 * n), 0x0007, 0x0002);
	for (size_t i = 0; i < n; i++)
		le16_put(e + 8 + 2 * i, (uint8_t)ascii[i]);
}

/* Sets the sizes and appends the validation record; returns the bytes in use. */
static inline size_t fixture_fve_block_finish(FixtureFveBlock *b)
{
	le32_put(b->data + 0x40, (uint32_t)(b->used - 0x40));
	size_t units = (b->used + 15) / 16;
	le16_put(b->data + 0x08, (uint16_t)units);
	uint8_t *v = b->data + units * 16;
	le16_put(v, 8);
	le16_put(v + 2, 2);
	le32_put(v + 4, crc32_update(0, b->data, units * 16));
	return units * 16 + 8;
}

/* A typical block: AES-XTS 128, password and recovery password, a description. */
static inline size_t fixture_fve_block_typical(FixtureFveBlock *b)
{
	fixture_fve_block_start(b, FVE_METHOD_AES_128_XTS);
	fixture_fve_block_description(b, "DESKTOP F: 1/2/2024");
	fixture_fve_block_vmk(b, 0x11, FVE_PROTECTION_PASSWORD);
	fixture_fve_block_vmk(b, 0x22, FVE_PROTECTION_RECOVERY_PASSWORD);
	return fixture_fve_block_finish(b);
}
