/* The NTFS boot sector: geometry (sector, cluster and record sizes) and where $MFT and
 * $MFTMirr start. Only the first 512 bytes are read, never the boot code. Anything that
 * would misplace a later read is rejected; a missing 0x55AA end marker is only flagged. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/boot_sector.h"

#include <inttypes.h>
#include <string.h>

#include "util/error.h"

enum {                                 /* NTFS boot sector ($Boot), little-endian */
	BOOT_OEM_ID              = 0x03, /* 8 bytes, "NTFS    " */
	BOOT_BYTES_PER_SECTOR    = 0x0B, /* u16 */
	BOOT_SECTORS_PER_CLUSTER = 0x0D, /* u8; > 0x80: 2^-(int8) sectors (clusters > 64 KiB) */
	BOOT_TOTAL_SECTORS       = 0x28, /* u64 */
	BOOT_MFT_LCN             = 0x30, /* u64 */
	BOOT_MFTMIRR_LCN         = 0x38, /* u64 */
	BOOT_CLUSTERS_PER_RECORD = 0x40, /* i8; < 0: 2^-n bytes */
	BOOT_CLUSTERS_PER_INDEX  = 0x44, /* i8; < 0: 2^-n bytes */
	BOOT_SERIAL              = 0x48, /* u64 */
	BOOT_END_MARKER          = 0x1FE, /* u16, 0xAA55 */
};

#define BOOT_MIN_CLUSTER ((uint32_t)512)
#define BOOT_MAX_CLUSTER ((uint32_t)2 * 1024 * 1024) /* Windows formats up to 2 MiB */
#define BOOT_MIN_RECORD  ((uint32_t)512)
#define BOOT_MAX_RECORD  ((uint32_t)64 * 1024)

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Sectors per cluster: 1..128 as is (a power of two); from 0x81 on the byte holds a
 * negative exponent, so 0xF8 means 2^8 = 256 sectors (128 KiB with 512-byte sectors).
 * 0 and exponents too large for any cluster are refused by the caller's range check. */
static uint32_t sectors_per_cluster_of(uint8_t v)
{
	if (v <= 0x80)
		return v;
	unsigned shift = 256u - v; /* 1 .. 127 */
	return shift < 32 ? (uint32_t)1 << shift : 0;
}

/* Record sizes: positive = clusters, negative = 2^-n bytes. Returns 0 when out of range. */
static uint32_t record_size_of(uint8_t v, uint32_t cluster_size)
{
	if (v < 0x80) {
		uint64_t size = (uint64_t)v * cluster_size;
		return size <= UINT32_MAX ? (uint32_t)size : 0;
	}
	unsigned shift = 256u - v; /* 1 .. 128 */
	return shift < 32 ? (uint32_t)1 << shift : 0;
}

static bool check_record_size(uint32_t size, uint8_t raw, const char *field, GError **error)
{
	if (!is_pow2(size) || size < BOOT_MIN_RECORD || size > BOOT_MAX_RECORD)
		return rfs_set_corrupt(error,
				       "boot sector: %s (byte 0x%02x) gives %" PRIu32
				       " bytes, not a power of two in 512 B .. 64 KiB",
				       field, raw, size);
	return true;
}

static bool parse_geometry(ByteSpan raw, BootSector *bs, GError **error)
{
	bs->bytes_per_sector = le16_at(raw.data + BOOT_BYTES_PER_SECTOR);
	if (!is_pow2(bs->bytes_per_sector) || bs->bytes_per_sector < 512 || bs->bytes_per_sector > 4096)
		return rfs_set_corrupt(error, "boot sector: bytes per sector %" PRIu32
				       " is not a power of two in 512 .. 4096", bs->bytes_per_sector);

	uint8_t spc_raw = raw.data[BOOT_SECTORS_PER_CLUSTER];
	bs->sectors_per_cluster = sectors_per_cluster_of(spc_raw);
	uint64_t cluster = (uint64_t)bs->sectors_per_cluster * bs->bytes_per_sector;
	if (!is_pow2(bs->sectors_per_cluster) || cluster < BOOT_MIN_CLUSTER || cluster > BOOT_MAX_CLUSTER)
		return rfs_set_corrupt(error, "boot sector: sectors per cluster (byte 0x%02x) gives a cluster"
				       " of %" PRIu64 " bytes, not a power of two in 512 B .. 2 MiB",
				       spc_raw, cluster);
	bs->cluster_size = (uint32_t)cluster;

	uint64_t volume_bytes;
	bs->total_sectors = le64_at(raw.data + BOOT_TOTAL_SECTORS);
	if (bs->total_sectors < bs->sectors_per_cluster ||
	    !g_uint64_checked_mul(&volume_bytes, bs->total_sectors, bs->bytes_per_sector))
		return rfs_set_corrupt(error, "boot sector: total sectors %" PRIu64
				       " is less than one cluster or too large", bs->total_sectors);
	bs->total_clusters = bs->total_sectors / bs->sectors_per_cluster;

	uint8_t rec_raw = raw.data[BOOT_CLUSTERS_PER_RECORD];
	bs->mft_record_size = record_size_of(rec_raw, bs->cluster_size);
	if (!check_record_size(bs->mft_record_size, rec_raw, "clusters per MFT record", error))
		return false;
	uint8_t idx_raw = raw.data[BOOT_CLUSTERS_PER_INDEX];
	bs->index_record_size = record_size_of(idx_raw, bs->cluster_size);
	return check_record_size(bs->index_record_size, idx_raw, "clusters per index record", error);
}

/* The MFT and its mirror must start inside the volume, and not on cluster 0 (the boot
 * sector): either would point every later read at the wrong bytes. */
static bool check_lcn(uint64_t lcn, uint64_t total_clusters, const char *field, GError **error)
{
	if (lcn == 0 || lcn >= total_clusters)
		return rfs_set_corrupt(error, "boot sector: %s LCN %" PRIu64
				       " is outside the volume (1 .. %" PRIu64 ")",
				       field, lcn, total_clusters - 1);
	return true;
}

bool boot_sector_parse(ByteSpan raw, BootSector *out, GError **error)
{
	g_return_val_if_fail(out != NULL, false);

	if (!span_has(raw, 0, BOOT_SECTOR_SIZE))
		return rfs_set_corrupt(error, "boot sector: %zu bytes, need %d", raw.size, BOOT_SECTOR_SIZE);
	if (memcmp(raw.data + BOOT_OEM_ID, "NTFS    ", 8) != 0)
		return rfs_set_corrupt(error, "boot sector: OEM id is not \"NTFS    \"");

	BootSector bs = { 0 };
	if (!parse_geometry(raw, &bs, error))
		return false;
	bs.mft_lcn = le64_at(raw.data + BOOT_MFT_LCN);
	bs.mftmirr_lcn = le64_at(raw.data + BOOT_MFTMIRR_LCN);
	if (!check_lcn(bs.mft_lcn, bs.total_clusters, "MFT", error) ||
	    !check_lcn(bs.mftmirr_lcn, bs.total_clusters, "MFTMirr", error))
		return false;
	bs.serial = le64_at(raw.data + BOOT_SERIAL);

	/* Windows writes 0xAA55 and checks it before booting, but volumes formatted without
	 * boot code exist (and mount); every field we rely on has been checked above. */
	bs.signature_missing = le16_at(raw.data + BOOT_END_MARKER) != 0xAA55;
	if (bs.signature_missing)
		g_debug("boot sector: no 0x55AA end marker; accepted on its other fields");

	*out = bs;
	return true;
}
