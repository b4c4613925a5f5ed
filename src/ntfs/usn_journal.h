/* Where a volume's change journal lives and how much of it is read: $Extend/$UsnJrnl, found
 * by name in $Extend's $I30 index, and the records of its named stream $J, walked over its
 * clusters only (the leading hole that replaces the journal's old part is never read). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ntfs/usn.h"
#include "ntfs/volume.h"

enum {
	/* The most $J bytes a walk reads: the newest part of the journal (its end) when the
	 * clusters hold more. Windows' default journal is 32 MiB (plus an 8 MiB allocation
	 * delta); a hostile one may map the whole volume, and its stated size (up to 2^63)
	 * costs nothing since holes are skipped without reading. */
	USN_JOURNAL_MAX_BYTES = 256 * 1024 * 1024,
	USN_JOURNAL_CHUNK_BYTES = 1024 * 1024, /* one buffer, reused for every read */
};

typedef struct {
	bool found;                /* the volume has $Extend/$UsnJrnl with a $J stream */
	MftRef file;               /* $UsnJrnl's record and sequence */
	uint64_t stream_size_bytes; /* $J's data size as it states it */
	uint64_t data_bytes;       /* bytes of $J in clusters (page-rounded): a full read */
	uint64_t read_bytes;       /* bytes read */
	uint64_t skipped_bytes;    /* data bytes left unread: over the bound, oldest first */
	uint64_t unreadable_bytes; /* chunks whose read failed (bad sectors), skipped */
	uint64_t records;          /* records delivered (V2 and V3; V4 range records are not) */
	uint64_t garbage_bytes;    /* bytes that decoded as no record */
} UsnJournalStats;

/* Return false to stop the walk. `rec` borrows the walk's buffer: copy what you keep. */
typedef bool (*UsnJournalFunc)(const UsnRecord *rec, void *user_data);

/* Finds the journal and calls fn for each of its records, in stream order, reading at most
 * `max_bytes` (page-rounded) of $J, one USN_JOURNAL_CHUNK_BYTES buffer at a time. No
 * journal (ntfs-3g writes none), a $UsnJrnl whose record is not in use or has another
 * sequence than $Extend's index names, or no $J: true with stats->found false. False with
 * `error` set when $Extend or $UsnJrnl cannot be read or decoded, or the source stops
 * answering (RFS_ERROR_GONE) while $J is read; any other failed read of a chunk of $J is
 * skipped and counted instead. Work and memory are bounded by max_bytes and the
 * size of $Extend's index (at most 1 MiB of INDX blocks are read), whatever the disk says. */
bool usn_journal_read(const Volume *vol, uint64_t max_bytes, UsnJournalFunc fn, void *user_data,
		      UsnJournalStats *stats, GError **error) G_GNUC_WARN_UNUSED_RESULT;
