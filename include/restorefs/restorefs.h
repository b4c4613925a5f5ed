/* restorefs: restore contexts on NTFS volumes, after Microsoft's File Management API.
 *
 *   CreateFileRestoreContext  -> rfs_context_create()
 *   SupplyDecryptionInfo      -> rfs_context_supply_decryption()
 *   ScanRestorableFiles       -> rfs_context_scan() + rfs_context_lookup()/_child_at()/_foreach()
 *   RestoreFile               -> rfs_context_restore(), or rfs_stream_open() + rfs_stream_read()
 *   CloseFileRestoreContext   -> rfs_context_free()
 *
 * The source is only ever opened O_RDONLY. After rfs_context_scan() succeeds the context is
 * immutable: every lookup function, rfs_stream_open() and rfs_context_restore() are safe to
 * call from any number of threads without locks, and RfsEntryInfo pointers stay valid until
 * rfs_context_free(). What a read serves for overwritten clusters and for ranges whose
 * location is lost is chosen per stream (RfsStreamOptions). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* The version a caller was built against; rfs_context_create() refuses any other. */
#define RESTOREFS_API_VERSION 5u

/* ---- errors ---------------------------------------------------------------------------- */

#define RFS_ERROR (rfs_error_quark())
GQuark rfs_error_quark(void);

/* The codes of the RFS_ERROR domain, with the errno the restorefs daemon answers for each. */
typedef enum {
	RFS_ERROR_IO,          /* device read failed                          -> EIO        */
	RFS_ERROR_CORRUPT,     /* on-disk bytes failed a check                -> EIO        */
	RFS_ERROR_UNSUPPORTED, /* valid data we do not handle                 -> EOPNOTSUPP */
	RFS_ERROR_LOCKED,      /* BitLocker key missing or wrong              -> EACCES     */
	RFS_ERROR_NOT_FOUND,   /* no such source, partition or entry          -> ENOENT     */
	RFS_ERROR_INVALID,     /* bad argument or option                      -> EINVAL     */
	RFS_ERROR_BUSY,        /* source mounted read-write or held elsewhere -> EBUSY      */
	RFS_ERROR_VERSION,     /* API version mismatch                        -> EPROTO     */
	RFS_ERROR_OVERWRITTEN, /* range now belongs to another file (policy EIO) -> EIO     */
	RFS_ERROR_TRUNCATED,   /* source shorter than its volume; RFS_CONTEXT_FORCE reads what
				* is there                                    -> EIO        */
	RFS_ERROR_BAD_BOOT_SECTOR, /* RFS_CONTEXT_DISK: the boot sector RfsLocation names is
				    * unreadable or not NTFS; the other copy (primary at the
				    * start sector, backup in the volume's last) may be intact -> EIO */
	RFS_ERROR_GONE,        /* the source stopped answering: a disk unplugged, a network or
				* FUSE source disconnected (ENODEV, ENXIO, ENOTCONN...) -> EIO */
} RfsError;

/* ---- context --------------------------------------------------------------------------- */

typedef struct RfsContext RfsContext;

typedef enum {
	RFS_CONTEXT_VOLUME = 0,      /* SOURCE is a volume: image file, partition device     */
	RFS_CONTEXT_DISK = 1u << 0,  /* SOURCE is a disk; the volume is at start_sector      */
	RFS_CONTEXT_FORCE = 1u << 1, /* go on (read-only) even if SOURCE is mounted rw       */
	RFS_CONTEXT_BITLOCKER_LIBBDE = 1u << 2, /* decrypt BitLocker with libbde, the reference
	                              * backend, instead of the native one (own key unwrap and
	                              * OpenSSL: every method, suspended and encrypt-on-write
	                              * volumes, several times faster)                      */
} RfsContextFlags;

/* Where the volume lies on SOURCE. Every field's zero is its default, so a zeroed struct (or
 * NULL) means "SOURCE is the volume", and { .flags = RFS_CONTEXT_DISK, .start_sector = 2048 }
 * a volume at sector 2048 of a disk, read through its primary boot sector. Sector numbers are
 * absolute on SOURCE, in units of sector_size. start_sector, offset_bytes and boot_sector need
 * RFS_CONTEXT_DISK (RFS_ERROR_INVALID without it); partition excludes it.
 *
 * boot_sector 0 means the start sector: the primary boot sector. Sector 0 needs no value of
 * its own, because a boot sector never lies before its volume's start: sector 0 can only be
 * the primary boot sector of a volume that starts at sector 0, which 0 already means. */
typedef struct {
	uint32_t flags;          /* RfsContextFlags                                            */
	uint32_t sector_size;    /* bytes; 0 = the device's logical sector size (512 for files) */
	uint64_t start_sector;   /* first sector of the volume; 0 = offset_bytes (0 = sector 0)  */
	uint64_t boot_sector;    /* the sector holding the boot sector: 0 = start_sector, or the
	                          * volume's last sector, where the backup copy lies            */
	uint64_t offset_bytes;   /* alternative to start_sector: where the volume starts, bytes */
	uint32_t partition;      /* 1-based MBR/GPT partition number on SOURCE; 0 = none       */
} RfsLocation;

/* Creates a restore context on `source`. Opens it read-only (block devices with O_EXCL, so
 * nobody can mount it while we hold it), refuses a source mounted read-write or held
 * elsewhere (RFS_ERROR_BUSY) or shorter than its volume (RFS_ERROR_TRUNCATED) unless
 * RFS_CONTEXT_FORCE, and validates the boot sector (RFS_ERROR_BAD_BOOT_SECTOR for the one an
 * RFS_CONTEXT_DISK location names), or recognises a BitLocker header, in which case
 * rfs_context_needs_decryption() is true until rfs_context_supply_decryption().
 * `api_version` must be RESTOREFS_API_VERSION. */
RfsContext *rfs_context_create(const char *source, const RfsLocation *location,
			       uint32_t api_version, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void rfs_context_free(RfsContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RfsContext, rfs_context_free)

/* ---- BitLocker --------------------------------------------------------------------------- */

typedef enum {
	RFS_KEY_PASSWORD,          /* user password (UTF-8)                          */
	RFS_KEY_RECOVERY_PASSWORD, /* 48 digits, dashes optional                     */
	RFS_KEY_STARTUP_KEY,       /* path of a .BEK file                            */
	RFS_KEY_FVEK,              /* full-volume encryption key, raw bytes          */
} RfsKeyKind;

typedef struct {
	RfsKeyKind kind;
	const uint8_t *data; /* the secret; the context copies and later wipes it */
	size_t size;
} RfsDecryptionInfo;

typedef struct {
	const char *type;       /* "password", "recovery password", "startup key", "TPM", ... */
	const char *identifier; /* GUID */
} RfsKeyProtector;

/* What a BitLocker volume says about itself, readable without a key. */
typedef struct {
	const char *method;            /* e.g. "AES-XTS 128", "AES-CBC 128 with Elephant diffuser" */
	const char *volume_identifier; /* GUID */
	int64_t creation_time;         /* FILETIME, 0 = unknown */
	const char *description;       /* UTF-8, may be "" */
	const RfsKeyProtector *protectors;
	size_t protector_count;
	bool to_go;                    /* BitLocker To Go */
} RfsEncryptionInfo;

/* NULL unless the volume is BitLocker-encrypted; valid until rfs_context_free(). */
const RfsEncryptionInfo *rfs_context_encryption(const RfsContext *ctx);

bool rfs_context_needs_decryption(const RfsContext *ctx);
bool rfs_context_supply_decryption(RfsContext *ctx, const RfsDecryptionInfo *info,
				   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- scan -------------------------------------------------------------------------------- */

/* Called now and then during long work; `done` <= `total`, in the unit the caller named. */
typedef void (*RfsProgressFunc)(uint64_t done, uint64_t total, void *user_data);

typedef enum {
	RFS_SCAN_DEFAULT = 0,
	RFS_SCAN_INCLUDE_LIVE = 1u << 0, /* also index files that are still in use */
	RFS_SCAN_DEEP = 1u << 1,         /* after the MFT, sweep the clusters the volume calls
	                                  * free for INDX blocks and FILE records           */
	RFS_SCAN_DEEP_ALL = 1u << 2,     /* sweep every cluster (implies RFS_SCAN_DEEP)     */
	RFS_SCAN_NO_SNAPSHOTS = 1u << 3, /* leave Volume Shadow Copies out                  */
} RfsScanFlags;

typedef struct {
	uint64_t records_total;    /* MFT records examined                          */
	uint64_t records_damaged;  /* records skipped: bad signature, torn, garbage */
	uint64_t deleted_files;    /* deleted file records (not counting streams)    */
	uint64_t deleted_dirs;
	uint64_t deleted_streams;  /* named data streams of deleted files            */
	uint64_t orphans;          /* entries placed under lost+found               */
	uint64_t deleted_bytes;    /* sum of the deleted streams' sizes             */
	uint64_t live_files;       /* indexed live files (RFS_SCAN_INCLUDE_LIVE)     */
	uint64_t by_state[5];      /* deleted files and streams by RfsEntryState     */
	uint64_t ghosts;           /* names known from traces whose record was reused */
	uint64_t carved_records;   /* FILE records found outside the MFT (deep scan)  */
	uint64_t paths_from_traces;/* entries whose name or a parent's came from a trace */
	uint64_t usn_records;      /* change-journal records read                    */
	uint64_t snapshot_files;   /* files only a shadow copy still holds           */
	uint64_t swept_bytes;      /* bytes read by the deep sweep                   */
} RfsScanStats;

/* What rfs_context_scan()'s progress numbers count; ask from inside the callback. */
typedef enum {
	RFS_SCAN_PHASE_MFT,       /* MFT records of the volume                              */
	RFS_SCAN_PHASE_SWEEP,     /* bytes of the swept clusters (RFS_SCAN_DEEP)            */
	RFS_SCAN_PHASE_SNAPSHOTS, /* Volume Shadow Copies scanned                           */
} RfsScanPhase;
RfsScanPhase rfs_context_scan_phase(const RfsContext *ctx);

/* Reads the MFT once, sequentially, and builds the index; with RFS_SCAN_DEEP, sweeps the
 * free clusters (or all, RFS_SCAN_DEEP_ALL) before the tree is linked. Progress comes in
 * phases: see rfs_context_scan_phase(). */
bool rfs_context_scan(RfsContext *ctx, uint32_t scan_flags, RfsProgressFunc progress,
		      void *user_data, GError **error) G_GNUC_WARN_UNUSED_RESULT;
const RfsScanStats *rfs_context_stats(const RfsContext *ctx);

/* ---- volume ------------------------------------------------------------------------------ */

typedef struct {
	uint32_t sector_size;      /* bytes */
	uint32_t cluster_size;     /* bytes */
	uint32_t mft_record_size;  /* bytes */
	uint64_t total_clusters;
	uint64_t free_clusters;    /* from $Bitmap, after the scan */
	uint64_t serial;
	uint64_t offset_bytes;     /* where the volume starts on SOURCE */
	uint64_t size_bytes;
	const char *label;         /* UTF-8, "" when unknown; valid after the scan */
	bool encrypted;            /* BitLocker */
} RfsVolumeInfo;

const RfsVolumeInfo *rfs_context_volume(const RfsContext *ctx);

/* ---- entries ----------------------------------------------------------------------------- */

/* Entry ids are stable across scans of the same volume:
 *   1 = the root directory, 2 = the synthetic lost+found directory,
 *   otherwise (origin << 56) | (MFT record number << 8) | stream slot, where slot 0 is the
 *   unnamed stream (or the directory itself) and slots 1..255 are named streams in on-disk
 *   order, and the origin says where the entry was found: 0 = the volume's MFT,
 *   1..63 = shadow copy k (RFS_ORIGIN_SNAPSHOT(k)), 64..127 = the (n+1)-th ghost of that
 *   record number (RFS_ORIGIN_GHOST(n)), 128..255 = the (n+1)-th carved version
 *   (RFS_ORIGIN_CARVED(n)). Record numbers are 48 bits on NTFS. */
typedef uint64_t RfsEntryId;
#define RFS_ENTRY_ROOT ((RfsEntryId)1)
#define RFS_ENTRY_LOST_FOUND ((RfsEntryId)2)
#define RFS_ENTRY_ID(record, slot) \
	((((RfsEntryId)(record) & 0xffffffffffffull) << 8) | (uint8_t)(slot))
#define RFS_ENTRY_ID_IN(origin, record, slot) \
	(((RfsEntryId)(uint8_t)(origin) << 56) | RFS_ENTRY_ID(record, slot))
#define RFS_ENTRY_ORIGIN(id) ((unsigned)((RfsEntryId)(id) >> 56))
#define RFS_ORIGIN_MFT 0u
#define RFS_ORIGIN_SNAPSHOT(k) ((unsigned)(k) & 63u)          /* k = 1..63  */
#define RFS_ORIGIN_GHOST(n) (64u + ((unsigned)(n) & 63u))      /* n = 0..63  */
#define RFS_ORIGIN_CARVED(n) (128u + ((unsigned)(n) & 127u))   /* n = 0..127 */

typedef enum {
	RFS_ENTRY_DIRECTORY = 1u << 0,
	RFS_ENTRY_REMOVED = 1u << 1,    /* the MFT record is no longer in use (deleted)        */
	RFS_ENTRY_ORPHAN = 1u << 2,     /* parent unknown or reused: placed under lost+found   */
	RFS_ENTRY_STREAM = 1u << 3,     /* a named data stream (ADS), shown as "name:stream"   */
	RFS_ENTRY_SYNTHETIC = 1u << 4,  /* root, lost+found                                    */
	RFS_ENTRY_COMPRESSED = 1u << 5, /* LZNT1                                               */
	RFS_ENTRY_SPARSE = 1u << 6,
	RFS_ENTRY_ENCRYPTED = 1u << 7,  /* EFS: data is ciphertext, served as is               */
	RFS_ENTRY_INCOMPLETE = 1u << 8, /* part of the runlist is lost: see RfsUnreadablePolicy */
	RFS_ENTRY_RESIDENT = 1u << 9,   /* data lives inside the MFT record                    */
	RFS_ENTRY_GHOST = 1u << 10,     /* known only from a trace (index entry, journal) whose
	                                 * record was reused: name, size, times; no content     */
	RFS_ENTRY_CARVED = 1u << 11,    /* its FILE record was found outside the MFT (deep scan) */
	RFS_ENTRY_SNAPSHOT = 1u << 12,  /* from a Volume Shadow Copy (RfsEntryInfo.snapshot)    */
} RfsEntryFlags;

/* Where an entry's name and parent come from. */
typedef enum {
	RFS_PATH_SOURCE_MFT,          /* the $FILE_NAME of its own MFT record                   */
	RFS_PATH_SOURCE_INDEX,        /* a live $I30 entry of a folder's index                  */
	RFS_PATH_SOURCE_INDEX_SLACK,  /* a stale $I30 entry in the slack of an index block      */
	RFS_PATH_SOURCE_CARVED_INDEX, /* an INDX block found in free clusters (deep scan)       */
	RFS_PATH_SOURCE_USN,          /* a change-journal record ($UsnJrnl:$J)                 */
	RFS_PATH_SOURCE_CARVED,       /* the $FILE_NAME of a FILE record carved by the deep scan */
	RFS_PATH_SOURCE_SNAPSHOT,     /* the MFT of a Volume Shadow Copy                        */
} RfsPathSource;
#define RFS_PATH_SOURCE_COUNT 7

/* "mft", "index", "index-slack", "carved-index", "usn", "carved", "snapshot". */
const char *rfs_path_source_name(RfsPathSource source);

/* FILETIME: 100-ns intervals since 1601-01-01 UTC; 0 = unknown. */
typedef struct {
	int64_t creation;
	int64_t last_write;
	int64_t last_access;
	int64_t mft_change;
} RfsTimes;

/* Cluster counts are 32-bit: NTFS numbers at most 2^32 - 1 clusters on a volume (larger
 * clusters make larger volumes), and a count read from a damaged volume that says more is
 * held at UINT32_MAX. Fields are ordered so that the struct has no padding: 168 bytes. */
typedef struct RfsEntryInfo {
	RfsEntryId id;
	RfsEntryId parent_id;
	const char *name;        /* unique within its parent: collision suffix applied,
				  * "file:stream" for a named stream                      */
	const char *file_name;   /* the original $FILE_NAME (no suffix, no stream)        */
	const char *stream_name; /* NULL for the unnamed stream                           */
	uint64_t mft_record;
	uint64_t size_bytes;     /* stream size (directories: 0)                          */
	uint64_t allocated_bytes;
	RfsTimes times;          /* $STANDARD_INFORMATION                                 */
	RfsTimes fn_times;       /* $FILE_NAME                                            */
	int64_t deleted_time;    /* FILETIME of its deletion from the change journal; 0 = unknown */
	uint32_t clusters;       /* clusters holding the stream's data (sparse not counted) */
	uint32_t clusters_in_use;/* of those, allocated now to something else ($Bitmap)   */
	uint32_t clusters_superseded; /* of the free rest, written later by another deleted
				  * file (the write order is shown by the evidence)        */
	uint32_t clusters_contested; /* of the free rest, also claimed by another deleted
				  * file, and which came later cannot be shown           */
	uint32_t clusters_missing; /* clusters whose extent was lost with its MFT record  */
	uint32_t flags;          /* RfsEntryFlags                                         */
	uint32_t attributes;     /* FILE_ATTRIBUTE_* from $STANDARD_INFORMATION            */
	uint16_t sequence;       /* sequence number now in the record                    */
	uint8_t path_source;     /* RfsPathSource of its name and parent                  */
	uint8_t snapshot;        /* 1..63: the shadow copy it comes from; 0 = the volume  */
} RfsEntryInfo;

/* Percentage (0-100) of the stream's clusters that are known and not now in use by
 * something else; 100 only when every cluster is. Resident and empty streams are 100
 * (their data lives in the record). */
unsigned rfs_entry_recoverable_percent(const RfsEntryInfo *info);

/* What can be given back of an entry's data. The cluster counts of RfsEntryInfo are
 * disjoint: in use now, superseded, contested, and the rest, which is recoverable. */
typedef enum {
	RFS_STATE_INTACT,             /* every cluster known, free and claimed by nobody later */
	RFS_STATE_PARTLY_OVERWRITTEN, /* some clusters in use now or superseded               */
	RFS_STATE_OVERWRITTEN,        /* every cluster in use now or superseded               */
	RFS_STATE_INCOMPLETE,         /* part of the runlist is lost (not wholly overwritten) */
	RFS_STATE_CONTESTED,          /* else: some clusters contested, none overwritten      */
} RfsEntryState;
#define RFS_STATE_COUNT 5

/* The state of an entry's data; directories and resident data are intact; a ghost is
 * incomplete (its whole runlist went with its record) and 0 % recoverable. */
RfsEntryState rfs_entry_state(const RfsEntryInfo *info);
/* "intact", "partly-overwritten", "overwritten", "incomplete", "contested". */
const char *rfs_entry_state_name(RfsEntryState state);

const RfsEntryInfo *rfs_context_lookup(const RfsContext *ctx, RfsEntryId id);
const RfsEntryInfo *rfs_context_lookup_child(const RfsContext *ctx, RfsEntryId parent,
					     const char *name);
/* Children in strcmp order of their names; 0 / NULL past the end or for a non-directory. */
size_t rfs_context_child_count(const RfsContext *ctx, RfsEntryId parent);
const RfsEntryInfo *rfs_context_child_at(const RfsContext *ctx, RfsEntryId parent, size_t i);

/* Depth-first, parents before children, children in name order. Return false to stop. */
typedef bool (*RfsEntryFunc)(const RfsEntryInfo *info, void *user_data);
void rfs_context_foreach(const RfsContext *ctx, RfsEntryFunc fn, void *user_data);

/* "/dir/sub/name" in the restorefs tree (g_free). */
char *rfs_context_entry_path(const RfsContext *ctx, RfsEntryId id);
/* The original path on the volume as far as it is known (g_free); an orphan's starts with
 * "?/" where the chain of parents breaks. */
char *rfs_context_entry_original_path(const RfsContext *ctx, RfsEntryId id);
/* Either path (`original`: rfs_context_entry_original_path()) of an entry this context gave,
 * appended to `out`: no lookup, and no allocation once `out` has grown. For listings. */
void rfs_context_append_path(const RfsContext *ctx, const RfsEntryInfo *info, bool original,
			     GString *out);

/* ---- shadow copies ----------------------------------------------------------------------- */

/* A Volume Shadow Copy of the volume, found by rfs_context_scan() unless
 * RFS_SCAN_NO_SNAPSHOTS. Its files that are gone from the live volume (changed or deleted
 * since the copy was taken) appear under `folder` in the root, with their original paths
 * inside, ids of origin RFS_ORIGIN_SNAPSHOT(number), RFS_ENTRY_SNAPSHOT and
 * RfsEntryInfo.snapshot = number; reads come from the copy's blocks. */
typedef struct {
	unsigned number;          /* 1..63, catalog order (oldest first) */
	const char *identifier;   /* the store's GUID */
	int64_t creation_time;    /* FILETIME, UTC */
	uint64_t size_bytes;      /* the volume's size when the copy was taken */
	const char *folder;       /* "@GMT-YYYY.MM.DD-HH.MM.SS" (UTC), the folder in the root */
	RfsEntryId folder_id;     /* 0 when its volume could not be read (a warning said why) */
	uint64_t files;           /* files it adds to the tree (named streams not counted) */
} RfsSnapshotInfo;

/* Valid after rfs_context_scan(); 0 / NULL past the end. */
size_t rfs_context_snapshot_count(const RfsContext *ctx);
const RfsSnapshotInfo *rfs_context_snapshot(const RfsContext *ctx, size_t i);

/* ---- reading ----------------------------------------------------------------------------- */

typedef enum {
	RFS_OVERWRITTEN_RAW,  /* serve clusters now owned by something else as they are */
	RFS_OVERWRITTEN_ZERO, /* serve zeros there                                        */
	RFS_OVERWRITTEN_EIO,  /* fail reads of those ranges (RFS_ERROR_OVERWRITTEN)       */
} RfsOverwritePolicy;

/* Ranges whose location on disk is lost: gaps in the runlist of an incomplete file, whose
 * extents went with a freed extension record (or a compression unit with such a gap). A
 * read error of the source itself (a bad sector) is never covered by this: it always fails
 * the read that touches it, with RFS_ERROR_IO. */
typedef enum {
	RFS_UNREADABLE_ZERO, /* read them as zeros; rfs_stream_unreadable_bytes() counts them */
	RFS_UNREADABLE_EIO,  /* fail reads that touch them (RFS_ERROR_CORRUPT)             */
} RfsUnreadablePolicy;

/* How a stream serves what is not the file's own data. A zeroed struct (or NULL) is the
 * default: overwritten clusters as they are, lost ranges as zeros. */
typedef struct {
	RfsOverwritePolicy overwritten;
	RfsUnreadablePolicy unreadable;
} RfsStreamOptions;

typedef struct RfsStream RfsStream;

/* Opens an entry's data for reading: parses its MFT record again and resolves the runlist.
 * `options` (NULL: defaults) apply to every read of the stream. A stream is safe to read
 * from several threads at once. A ghost (RFS_ENTRY_GHOST) has no data to open: fails with
 * RFS_ERROR_OVERWRITTEN, and so does rfs_context_restore(). */
RfsStream *rfs_stream_open(const RfsContext *ctx, RfsEntryId id, const RfsStreamOptions *options,
			   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Reads up to `length` bytes at `offset`; *got < length only at the end of the stream. */
bool rfs_stream_read(RfsStream *stream, uint64_t offset, void *buf, size_t length,
		     size_t *got, GError **error) G_GNUC_WARN_UNUSED_RESULT;
uint64_t rfs_stream_size(const RfsStream *stream);
/* Bytes of the stream whose location is lost (see RfsUnreadablePolicy), known on open. */
uint64_t rfs_stream_unreadable_bytes(const RfsStream *stream);
void rfs_stream_close(RfsStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RfsStream, rfs_stream_close)

typedef enum {
	RFS_RESTORE_DEFAULT = 0,
	RFS_RESTORE_REPLACE = 1u << 0, /* dest_path may exist: the final rename replaces it */
} RfsRestoreFlags;

typedef struct {
	RfsStreamOptions stream; /* as for rfs_stream_open() */
	uint32_t flags;          /* RfsRestoreFlags          */
} RfsRestoreOptions;

/* Copies an entry's data out so that `dest_path` never holds an incomplete copy. The data
 * goes into a new file at `partial_path`, which the caller names in the same directory as
 * `dest_path` (so that the rename is atomic) and which must not exist (RFS_ERROR_INVALID):
 * it is created mode 0644 (minus the umask), filled, given the entry's times, and then
 * renamed to `dest_path`. Without RFS_RESTORE_REPLACE an existing `dest_path` is never
 * replaced (RFS_ERROR_INVALID, checked first and again by the rename). On any failure the
 * partial file is removed. A caller that may be killed in the middle (a signal) removes
 * `partial_path` itself; nothing else is left behind.
 *
 * Lost ranges (RfsUnreadablePolicy) and ranges that cannot be read are written as zeros and
 * counted in *bad_bytes (may be NULL); the call still succeeds. A source that stops
 * answering fails it (RFS_ERROR_GONE) instead: nothing more could be read, of this entry or
 * any other. `options` NULL: defaults. Progress is in bytes. */
bool rfs_context_restore(const RfsContext *ctx, RfsEntryId id, const char *dest_path,
			 const char *partial_path, const RfsRestoreOptions *options,
			 RfsProgressFunc progress, void *user_data, uint64_t *bad_bytes,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Unix time (seconds, nanoseconds) of a FILETIME. */
void rfs_filetime_to_timespec(int64_t filetime, int64_t *sec, long *nsec);

G_END_DECLS
