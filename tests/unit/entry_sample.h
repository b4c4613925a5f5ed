/* A hand-made entry and a FILETIME for the front ends' formatting and selection tests. */
#pragma once

#include <stdint.h>

#include "restorefs/restorefs.h"

/* 2026-11-24T02:49:45.1234567Z: Unix 1795488585, plus the 1601..1970 offset, in 100 ns. */
#define FT_SAMPLE ((INT64_C(1795488585) + INT64_C(11644473600)) * 10000000 + 1234567)

/* A deleted, compressed file "report, final.txt" in record 70, one of its 4 clusters in use. */
static inline RfsEntryInfo sample_file(void)
{
	return (RfsEntryInfo){
		.id = RFS_ENTRY_ID(70, 0),
		.parent_id = RFS_ENTRY_ID(64, 0),
		.name = "report, final.txt",
		.file_name = "report, final.txt",
		.mft_record = 70,
		.sequence = 3,
		.flags = RFS_ENTRY_REMOVED | RFS_ENTRY_COMPRESSED,
		.attributes = 0x821,
		.size_bytes = 12345,
		.allocated_bytes = 16384,
		.clusters = 4,
		.clusters_in_use = 1,
		.times = { .creation = FT_SAMPLE, .last_write = FT_SAMPLE + 10000000, .mft_change = 0,
			   .last_access = FT_SAMPLE },
		.fn_times = { .creation = FT_SAMPLE - 10000000, .last_write = FT_SAMPLE,
			      .last_access = FT_SAMPLE, .mft_change = FT_SAMPLE },
	};
}
