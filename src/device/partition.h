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

/* Reads the MBR and, if present, the GPT (primary, else backup) or the chain of extended
 * boot records (bounded: loops and absurd chains end with RFS_ERROR_CORRUPT). No table at
 * all: returns true with count 0. */
bool partition_table_read(BlockSource *disk, uint32_t sector_size, PartitionTable *out,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT;
void partition_table_clear(PartitionTable *table);
