/* What a Volume Shadow Copy adds to the tree, as pure decisions on facts already read: the
 * name of a copy's top-level folder, and whether a file in a copy is gone from the live
 * volume. No I/O here, so unit tests drive it with plain structs. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* "@GMT-YYYY.MM.DD-HH.MM.SS" and its NUL. */
#define SNAPSHOT_RULE_GMT_SIZE 25

/* The folder name Windows gives a shadow copy taken at `filetime` (UTC; Explorer's
 * "Previous Versions" and SMB use the same form), seconds truncated. A time outside
 * years 1601..9999 (0 = unknown) gives "@GMT-unknown". */
void snapshot_rule_gmt_name(int64_t filetime, char out[SNAPSHOT_RULE_GMT_SIZE]);

/* Whether `file_name` names a shadow copy's own storage, "{GUID}{3808876b-c176-4e48-b7ae-
 * 04046e6cc752}" in System Volume Information: the copy machinery, not anyone's data, and
 * large (hundreds of MiB each). A copy's view leaves these out. */
bool snapshot_rule_is_store_file(const char *file_name);

/* One file's stream as one MFT describes it. */
typedef struct {
	bool present;         /* the record could be read and holds a file record */
	bool in_use;          /* MFT_RECORD_IN_USE */
	bool is_dir;
	uint16_t sequence;
	int64_t last_write;   /* $STANDARD_INFORMATION, FILETIME; 0 = none */
	bool has_stream;      /* the stream in question (unnamed or by name) is there */
	uint64_t size_bytes;  /* its size */
} SnapshotRecordFacts;

/* Whether the version of a file (or named stream) that a shadow copy holds is gone from
 * the live volume, and so worth showing. It is still there, and not shown, only when the
 * live volume's record of the same number is the same file in the same state with the same
 * content as far as the MFT tells: same in-use state, same sequence number, same kind, the
 * same stream with the same size and the same $STANDARD_INFORMATION last-write time; and,
 * for a file deleted in both, `live_as_good`: the live tree already gives it whole (its
 * clusters intact there), or the copy cannot do better (its clusters not intact in the copy
 * either). Everything else is shown: files deleted since the copy, files modified since
 * (the copy's older version), records reused by another file, and deleted files whose
 * clusters were written over on the live volume but not yet in the copy. */
bool snapshot_rule_gone_from_live(const SnapshotRecordFacts *snap, const SnapshotRecordFacts *live,
				  bool live_as_good);
