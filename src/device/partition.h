/* MBR (with extended/logical partitions) and GPT partition tables. Parsers take bytes;
 * partition_table_read() is the only part that touches a source. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/block_source.h"
#include "util/bytes.h"

typedef struct {
	uint32_t number;        /* 1-based, as Linux numbers them (sda1, sda5 for the first logical) */
	uint64_t start_sector;  /* in units of the table's sector size */
	uint64_t sector_count;
	uint8_t mbr_type;       /* 0x07 NTFS/exFAT, ...; 0 for GPT */
	uint8_t gpt_type[16];   /* GPT partition type GUID (on-disk byte order); zero for MBR */
	char *name;             /* GPT name (UTF-8) or NULL */
} Partition;

typedef struct {
	bool is_gpt;
	uint32_t sector_size;
	Partition *parts;
	size_t count;
} PartitionTable;

/* ---- pure parsers (bytes in, host-order structs out; unit tests feed them) ---- */

enum {
	MBR_SIZE = 512,          /* the MBR and every EBR: 4 entries at 0x1BE, 0x55AA at 0x1FE */
	MBR_TYPE_GPT_PROTECTIVE = 0xEE,
	GPT_ENTRY_MIN_SIZE = 128,
	GPT_ENTRY_MAX_SIZE = 4096,
	GPT_ENTRIES_MAX_BYTES = 4 * 1024 * 1024, /* count * entry size; the spec's default is 16 KiB */
};

typedef struct {
	uint8_t status;         /* 0x00 or 0x80 (bootable) */
	uint8_t type;           /* 0 = unused; 0x05/0x0F/0x85 = extended */
	uint32_t first_lba;     /* MBR: from the disk's start; EBR: see partition.c */
	uint32_t sector_count;
} MbrEntry;

typedef struct {
	MbrEntry entries[4];
} MbrSector;

/* Decodes an MBR or EBR sector (at least MBR_SIZE bytes). RFS_ERROR_CORRUPT if the 0x55AA
 * marker is missing or a status byte is neither 0x00 nor 0x80 (boot code, not a table). */
bool partition_mbr_parse(ByteSpan sector, MbrSector *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;
bool partition_mbr_type_is_extended(uint8_t type);

typedef struct {
	uint64_t current_lba;   /* where this copy says it lies */
	uint64_t backup_lba;    /* where the other copy lies */
	uint64_t first_usable_lba;
	uint64_t last_usable_lba;
	uint64_t entries_lba;
	uint32_t entry_count;
	uint32_t entry_size;    /* bytes, GPT_ENTRY_MIN_SIZE.. GPT_ENTRY_MAX_SIZE, multiple of 8 */
	uint32_t entries_crc32;
} GptHeader;

/* Decodes and checks a GPT header sector: "EFI PART", header size 92..sector, header CRC32,
 * entry size and count within the bounds above, usable range not inverted.
 * RFS_ERROR_CORRUPT naming the check that failed. */
bool partition_gpt_header_parse(ByteSpan sector, GptHeader *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Checks the entry array (at least entry_count * entry_size bytes) against the header's
 * CRC32 and appends the used entries to `out` (numbered index + 1, as Linux does).
 * On failure `out` is left unchanged. */
bool partition_gpt_entries_parse(const GptHeader *header, ByteSpan entries, PartitionTable *out,
				 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- I/O ---- */

/* Reads the MBR and, if present, the GPT (primary, else backup) or the chain of extended
 * boot records (bounded: loops and absurd chains end with RFS_ERROR_CORRUPT). No table at
 * all (or sector 0 is an NTFS boot sector): returns true with count 0.
 * sector_size 0 = the disk's. An image file reports 512; when sector_size is 0 and a GPT
 * header is found at byte 4096 rather than 512, the table is read as a 4Kn table.
 * Partition sectors are in out->sector_size units. Clear `out` with partition_table_clear. */
bool partition_table_read(BlockSource *disk, uint32_t sector_size, PartitionTable *out,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT;
void partition_table_clear(PartitionTable *table);
/* The entry numbered `number`, or NULL. */
const Partition *partition_table_lookup(const PartitionTable *table, uint32_t number);
