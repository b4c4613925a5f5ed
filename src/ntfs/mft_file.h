/* One file as the MFT describes it: its base record plus the extension records its
 * $ATTRIBUTE_LIST points to, decoded into names, times and data streams with runlists.
 * Reads records through an MftReader; knows nothing of $Bitmap or of the Volume above. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ntfs/mft_reader.h"
#include "ntfs/mft_record.h"
#include "ntfs/runlist.h"

typedef struct {
	char *name;               /* UTF-8 stream name; NULL for the unnamed stream */
	uint16_t attr_flags;      /* ATTR_FLAG_* of the first extent */
	bool resident;
	uint8_t *resident_data;   /* resident: the value */
	uint64_t data_size;
	uint64_t initialized_size;
	uint64_t allocated_size;
	uint8_t compression_unit; /* log2 clusters; 0 = not compressed */
	Runlist runs;             /* non-resident: all extents, sorted */
	bool incomplete;          /* extents missing: gaps in the runlist */
	bool has_first_extent;    /* the extent at VCN 0 (which holds the sizes) was found */
	bool embedded;            /* the MftFile's own first stream: not allocated apart */
} MftStream;

typedef struct {
	uint64_t record_number;
	uint16_t sequence;
	uint16_t record_flags;    /* MFT_RECORD_* */
	bool has_si;
	StandardInformation si;
	bool has_name;
	char *name;               /* UTF-8 of the preferred $FILE_NAME (Win32 or POSIX over DOS) */
	MftRef parent;
	int64_t fn_times[4];      /* creation, last write, mft change, last access */
	uint64_t fn_data_size;
	GPtrArray *streams;       /* of MftStream*, $DATA attributes in on-disk order */
	bool incomplete;          /* an extension record was unreadable or reused */
	MftStream first_stream;   /* storage of streams[0]: one allocation fewer a file */
} MftFile;

typedef enum {
	MFT_FILE_NAMES_ONLY = 1u << 0, /* skip $DATA: a directory for the path tree */
	MFT_FILE_NO_RESIDENT_DATA = 1u << 1, /* sizes of resident streams, not their bytes
					      * (resident_data stays NULL): a scan */
} MftFileFlags;

/* Extension-record reads a caller allows across many builds: a scan owns one and passes it
 * to every build, so forged attribute lists that all point at the same records cannot
 * multiply the reads. Not thread-safe: one budget per thread. */
typedef struct {
	uint64_t extension_reads_left;
} MftFileBudget;

/* The budget of one pass over an MFT of `mft_records` records: each extension record
 * belongs to one base, so an honest MFT needs at most one read of each. */
void mft_file_budget_init(MftFileBudget *budget, uint64_t mft_records);

/* Builds the file whose base record `rec` was decoded from a record buffer. Reads extension
 * records through `reader` when the record has an $ATTRIBUTE_LIST, counting them against
 * `budget` (NULL: only the per-file cap applies); a file whose reads the budget refused is
 * `incomplete`. NULL only on programmer error: a damaged base record or extension makes
 * an incomplete file, not a failure. */
MftFile *mft_file_build(const MftReader *reader, const MftRecord *rec, uint32_t flags,
			MftFileBudget *budget, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Reads record `record_number` through `reader` and builds it, unbudgeted. */
MftFile *mft_file_load(const MftReader *reader, uint64_t record_number, uint32_t flags,
		       GError **error) G_GNUC_WARN_UNUSED_RESULT;
void mft_file_free(MftFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MftFile, mft_file_free)

/* The stream called `name` (NULL: the unnamed one), or NULL. */
MftStream *mft_file_stream(const MftFile *file, const char *name);
/* Removes the stream called `name` from `file` and hands it to the caller; NULL if none. */
MftStream *mft_file_steal_stream(MftFile *file, const char *name);
void mft_stream_free(MftStream *stream);
