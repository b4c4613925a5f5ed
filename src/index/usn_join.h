/* The change journal joined to the index: deletion times for deleted entries, and the
 * names the journal saw files take (create, rename, delete), kept for the path rebuild.
 * Built from UsnRecords (usn_join_add) or from a volume's journal (usn_join_read), then
 * applied to a DeletedIndex before it is linked. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "index/deleted_index.h"
#include "ntfs/usn.h"
#include "ntfs/volume.h"

typedef struct UsnJoin UsnJoin;

/* One name the journal saw a file have: the same (child, parent, name) from several
 * records is kept once, with their reason bits OR'ed and the latest time. */
typedef struct {
	MftRef child;          /* the file, as the journal names it (its sequence while live) */
	MftRef parent;         /* its folder then */
	const char *name;      /* UTF-8, as utf16_to_utf8_name() makes it; owned by the join */
	int64_t time;          /* FILETIME (UTC) of the latest such record */
	uint32_t reason;       /* USN_REASON_* bits of all of them */
	int64_t usn;           /* of the latest one */
} UsnJoinName;

/* Return false to stop. */
typedef bool (*UsnJoinNameFunc)(const UsnJoinName *name, void *user_data);

UsnJoin *usn_join_new(void);
void usn_join_free(UsnJoin *join);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UsnJoin, usn_join_free)

/* Takes one record (copying what it keeps). Records without MFT references (128-bit IDs
 * of ReFS) and V4 range records are counted and ignored. A FILE_DELETE record gives the
 * deletion time of its file reference (the latest USN wins when a hostile journal deletes
 * the same reference twice); create, rename (old and new name) and delete records give
 * names. Memory: one entry per distinct delete and name, so linear in the records. */
void usn_join_add(UsnJoin *join, const UsnRecord *rec);

/* Reads the journal of `vol` into the join (usn_journal_read, at most
 * USN_JOURNAL_MAX_BYTES of it). No journal, or one that cannot be read, leaves the join
 * empty: g_info says which; a scan goes on without it. Only a source that stops answering
 * (RFS_ERROR_GONE) fails: false, with that error. */
bool usn_join_read(UsnJoin *join, const Volume *vol, GError **error);

/* Records taken (usn_join_add calls). */
uint64_t usn_join_records(const UsnJoin *join);

/* The deletion time the journal gives for the file it names `ref`, or 0. */
int64_t usn_join_deleted_time(const UsnJoin *join, MftRef ref);

/* Sets RfsEntryInfo.deleted_time of every deleted entry (files, directories and their
 * named streams) that a FILE_DELETE record names: same record number, and the sequence
 * the record had while the file lived (the rule is in usn_join.c). A record with time 0
 * gives no time. Returns the entries set. Call before the index is linked or published:
 * it writes nodes. */
uint64_t usn_join_apply(const UsnJoin *join, DeletedIndex *index);

/* Calls fn for each name, in the order of their first record in the journal. */
void usn_join_foreach_name(const UsnJoin *join, UsnJoinNameFunc fn, void *user_data);
