/* Finding lost NTFS and BitLocker volumes on a disk (rfs_find_volumes). Every candidate
 * sector is read as a primary boot sector (the volume starts there) and as a backup (the
 * volume ends there), and kept only if the geometry fits the disk; NTFS candidates are
 * confirmed by reading $MFT record 0. Reads only; never trusts the partition table alone. */
#define G_LOG_DOMAIN "restorefs-context"

#include "restorefs/volumes.h"

#include <inttypes.h>
#include <string.h>

#include "device/block_source.h"
#include "device/encrypted_volume.h"
#include "device/partition.h"
#include "index/volume_geometry.h"
#include "ntfs/boot_sector.h"
#include "ntfs/mft_reader.h"
#include "ntfs/volume.h"
#include "util/bytes.h"
#include "util/error.h"

enum {
	FINDER_STRIDE = 1024 * 1024,          /* where partitioning tools align volumes */
	FINDER_FULL_CHUNK = 8 * 1024 * 1024,  /* full mode read size */
	FINDER_RETRY_PIECE = 64 * 1024,       /* read size inside a chunk that failed */
	FINDER_OEM_ID = 0x03,                 /* 8 bytes in every boot sector */
	FINDER_DOS_START = 63,                /* first sector of old track-aligned disks */
	FINDER_4K = 4096,
};

typedef struct {
	BlockSource *disk;
	uint32_t sector_size;       /* the disk's: the unit of every reported sector number */
	PartitionTable table;
	GHashTable *probed;         /* byte offsets examined (uint64_t *, owned) */
	GHashTable *found;          /* start offset (uint64_t *, owned) -> RfsFoundVolume * */
	GArray *followups;          /* byte offsets worth a look because of a volume found */
} Finder;

void rfs_found_volume_free(RfsFoundVolume *volume)
{
	if (volume == NULL)
		return;
	g_free(volume->label);
	g_free(volume);
}

static uint64_t *offset_key(uint64_t offset)
{
	uint64_t *key = g_new(uint64_t, 1);
	*key = offset;
	return key;
}

/* ---- NTFS validation -------------------------------------------------------------------- */

/* $MFT record 0 where the boot sector says, decoded as the volume loader decodes it. */
static bool mft_record0_ok(Finder *f, uint64_t start, const BootSector *bs)
{
	g_autoptr(GError) error = NULL;
	if (!mft_reader_probe(f->disk, start, bs, &error)) {
		g_debug("MFT of a volume at byte %" PRIu64 ": %s", start, error->message);
		return false;
	}
	return true;
}

static uint32_t partition_covering(const Finder *f, uint64_t start, uint64_t size_bytes)
{
	for (size_t i = 0; i < f->table.count; i++) {
		const Partition *p = &f->table.parts[i];
		uint64_t pstart, psize;
		if (!g_uint64_checked_mul(&pstart, p->start_sector, f->table.sector_size) ||
		    !g_uint64_checked_mul(&psize, p->sector_count, f->table.sector_size))
			continue;
		if (pstart == start && size_bytes <= psize)
			return p->number;
	}
	return 0;
}

/* Keeps the candidate unless a better one for the same start is known: a primary boot
 * sector beats a backup, and the first of equals stays. */
static void finder_offer(Finder *f, uint64_t start, RfsFoundVolume *v, uint64_t end,
			 uint64_t next)
{
	RfsFoundVolume *old = g_hash_table_lookup(f->found, &start);
	if (old != NULL && (!old->from_backup || v->from_backup) &&
	    (old->mft_ok || !v->mft_ok)) {
		rfs_found_volume_free(v);
		return;
	}
	g_debug("%s volume at byte %" PRIu64 " (%s, MFT %s)",
		v->kind == RFS_VOLUME_NTFS ? "NTFS" : "BitLocker", start,
		v->from_backup ? "backup boot sector" : "boot sector", v->mft_ok ? "ok" : "bad");
	g_hash_table_replace(f->found, offset_key(start), v);
	if (v->mft_ok) {
		g_array_append_val(f->followups, end);  /* the backup boot sector */
		g_array_append_val(f->followups, next); /* a volume right after this one */
		if (v->from_backup)                     /* a primary that may still be there */
			g_array_append_val(f->followups, start);
	}
}

static void ntfs_candidate(Finder *f, uint64_t start, const BootSector *bs, bool from_backup)
{
	uint64_t volume_bytes, end;
	if (start % f->sector_size != 0 ||
	    !g_uint64_checked_mul(&volume_bytes, bs->total_sectors, bs->bytes_per_sector) ||
	    !g_uint64_checked_add(&end, start, volume_bytes) || end > f->disk->size_bytes)
		return;
	bool mft_ok = mft_record0_ok(f, start, bs);
	if (from_backup && !mft_ok)
		return; /* a backup's start is inferred: only its own $MFT can confirm it */
	RfsFoundVolume *v = g_new0(RfsFoundVolume, 1);
	*v = (RfsFoundVolume){
		.kind = RFS_VOLUME_NTFS,
		.start_sector = start / f->sector_size,
		.boot_sector = (from_backup ? end : start) / f->sector_size,
		.from_backup = from_backup,
		.size_bytes = volume_bytes,
		.sector_size = f->sector_size,
		.cluster_size = bs->cluster_size,
		.label = mft_ok ? volume_probe_label(f->disk, start, bs) : NULL,
		.partition = partition_covering(f, start, volume_bytes),
		.mft_ok = mft_ok,
	};
	finder_offer(f, start, v, end, end + bs->bytes_per_sector);
}

/* The size comes from the volume's FVE metadata (0 for Vista volumes and when no copy
 * is readable). */
static void bitlocker_candidate(Finder *f, uint64_t start)
{
	if (start % f->sector_size != 0)
		return;
	uint64_t size = encrypted_volume_probe_size(f->disk, start);
	RfsFoundVolume *v = g_new0(RfsFoundVolume, 1);
	*v = (RfsFoundVolume){
		.kind = RFS_VOLUME_BITLOCKER,
		.start_sector = start / f->sector_size,
		.boot_sector = start / f->sector_size,
		.size_bytes = size,
		.sector_size = f->sector_size,
		.partition = partition_covering(f, start, size),
	};
	finder_offer(f, start, v, start, start);
}

/* Looks at one 512-byte boot sector candidate at `offset`, once. */
static void finder_examine(Finder *f, uint64_t offset, const uint8_t *sector)
{
	const uint8_t *oem = sector + FINDER_OEM_ID;
	bool ntfs = memcmp(oem, "NTFS    ", 8) == 0;
	bool bitlocker = !ntfs && encrypted_volume_probe_sector(byte_span(sector, BOOT_SECTOR_SIZE));
	if (!ntfs && !bitlocker)
		return;
	if (!g_hash_table_add(f->probed, offset_key(offset)))
		return;
	if (bitlocker) {
		bitlocker_candidate(f, offset);
		return;
	}
	BootSector bs;
	g_autoptr(GError) error = NULL;
	if (!boot_sector_parse(byte_span(sector, BOOT_SECTOR_SIZE), &bs, &error)) {
		g_debug("boot sector candidate at byte %" PRIu64 ": %s", offset, error->message);
		return;
	}
	ntfs_candidate(f, offset, &bs, false);
	uint64_t volume_bytes;
	if (g_uint64_checked_mul(&volume_bytes, bs.total_sectors, bs.bytes_per_sector) &&
	    volume_bytes <= offset)
		ntfs_candidate(f, offset - volume_bytes, &bs, true);
}

/* Reads and examines the sector at `offset` (quick mode's scattered reads). */
static void finder_probe(Finder *f, uint64_t offset)
{
	uint8_t sector[BOOT_SECTOR_SIZE];
	if (offset % 512 != 0 || offset > f->disk->size_bytes ||
	    sizeof sector > f->disk->size_bytes - offset ||
	    g_hash_table_contains(f->probed, &offset))
		return;
	g_autoptr(GError) error = NULL;
	if (!block_source_read(f->disk, offset, sector, sizeof sector, &error)) {
		g_debug("%s", error->message);
		return;
	}
	finder_examine(f, offset, sector);
}

static void finder_drain_followups(Finder *f)
{
	while (f->followups->len > 0) {
		uint64_t offset = g_array_index(f->followups, uint64_t, f->followups->len - 1);
		g_array_set_size(f->followups, f->followups->len - 1);
		finder_probe(f, offset);
	}
}

/* ---- the modes (RFS_FIND_TABLE: the table's entries alone) ------------------------------- */

static void finder_probe_table(Finder *f)
{
	for (size_t i = 0; i < f->table.count; i++) {
		const Partition *p = &f->table.parts[i];
		uint64_t start, count;
		if (!g_uint64_checked_mul(&start, p->start_sector, f->table.sector_size) ||
		    !g_uint64_checked_mul(&count, p->sector_count, f->table.sector_size) || count == 0)
			continue;
		finder_probe(f, start);
		finder_probe(f, start + count - f->table.sector_size); /* where its backup would be */
	}
	finder_probe(f, (uint64_t)FINDER_DOS_START * f->sector_size);
	finder_drain_followups(f);
}

/* Every 1 MiB boundary as a start, and the sectors just below it as a volume's last. */
static void finder_quick(Finder *f, RfsProgressFunc progress, void *user_data)
{
	uint64_t size = f->disk->size_bytes;
	for (uint64_t b = 0; b < size; b += FINDER_STRIDE) {
		finder_probe(f, b);
		if (b > 0) {
			finder_probe(f, b - f->sector_size);
			finder_probe(f, b - FINDER_4K);
		}
		finder_drain_followups(f);
		if (progress != NULL)
			progress(b, size, user_data);
	}
	if (size >= FINDER_4K) { /* a volume that ends with the disk */
		finder_probe(f, size / f->sector_size * f->sector_size - f->sector_size);
		finder_probe(f, size / FINDER_4K * FINDER_4K - FINDER_4K);
	}
	finder_drain_followups(f);
	if (progress != NULL)
		progress(size, size, user_data);
}

static void finder_scan_buffer(Finder *f, uint64_t pos, const uint8_t *buf, size_t length)
{
	for (size_t off = 0; off < length && BOOT_SECTOR_SIZE <= length - off; off += f->sector_size)
		finder_examine(f, pos + off, buf + off);
}

/* Every sector, in large sequential reads; the OEM field filters before any parsing. */
static void finder_full(Finder *f, RfsProgressFunc progress, void *user_data)
{
	uint64_t size = f->disk->size_bytes;
	g_autofree uint8_t *buf = g_malloc(FINDER_FULL_CHUNK);
	for (uint64_t pos = 0; pos < size; pos += FINDER_FULL_CHUNK) {
		size_t length = (size_t)MIN((uint64_t)FINDER_FULL_CHUNK, size - pos);
		if (block_source_read(f->disk, pos, buf, length, NULL)) {
			finder_scan_buffer(f, pos, buf, length);
		} else {
			/* A bad area: go on in smaller pieces, skipping only what fails. */
			for (size_t done = 0; done < length; done += FINDER_RETRY_PIECE) {
				size_t piece = MIN((size_t)FINDER_RETRY_PIECE, length - done);
				g_autoptr(GError) error = NULL;
				if (block_source_read(f->disk, pos + done, buf, piece, &error))
					finder_scan_buffer(f, pos + done, buf, piece);
				else
					g_message("skipping %zu unreadable bytes at %" PRIu64 ": %s",
						  piece, pos + done, error->message);
			}
		}
		finder_drain_followups(f);
		if (progress != NULL)
			progress(pos + length, size, user_data);
	}
}

/* A volume with neither boot sector, found by its $MFT record 0 (index/volume_geometry.h). */
static void finder_without_boot_sector(Finder *f)
{
	BootSector bs;
	VolumeGeometryReport report;
	g_autoptr(GError) error = NULL;
	if (!volume_geometry_infer(f->disk, &bs, &report, &error)) {
		g_info("no volume without a boot sector: %s", error->message);
		return;
	}
	if (report.start_offset % f->sector_size != 0 || g_hash_table_contains(f->found, &report.start_offset))
		return;
	RfsFoundVolume *v = g_new0(RfsFoundVolume, 1);
	*v = (RfsFoundVolume){
		.kind = RFS_VOLUME_NTFS,
		.start_sector = report.start_offset / f->sector_size,
		.size_bytes = bs.total_sectors * bs.bytes_per_sector,
		.sector_size = f->sector_size,
		.cluster_size = bs.cluster_size,
		.mft_ok = true,
		.no_boot_sector = true,
	};
	v->boot_sector = v->start_sector;
	v->label = volume_probe_label(f->disk, report.start_offset, &bs);
	v->partition = partition_covering(f, report.start_offset, v->size_bytes);
	g_hash_table_insert(f->found, offset_key(report.start_offset), v);
}

static bool any_confirmed(Finder *f)
{
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, f->found);
	while (g_hash_table_iter_next(&it, NULL, &value))
		if (((RfsFoundVolume *)value)->mft_ok)
			return true;
	return false;
}

/* ---- results ------------------------------------------------------------------------------ */

static int found_compare(gconstpointer a, gconstpointer b)
{
	const RfsFoundVolume *x = *(RfsFoundVolume *const *)a;
	const RfsFoundVolume *y = *(RfsFoundVolume *const *)b;
	return x->start_sector < y->start_sector ? -1 : x->start_sector > y->start_sector;
}

/* An NTFS candidate whose $MFT does not check out is noise when it lies inside a volume
 * that does: that is how a volume's own backup boot sector looks when read as a primary. */
static bool inside_confirmed(GPtrArray *all, const RfsFoundVolume *v)
{
	for (guint i = 0; i < all->len; i++) {
		const RfsFoundVolume *o = all->pdata[i];
		uint64_t o_last = o->start_sector + o->size_bytes / o->sector_size; /* backup */
		if (o != v && o->mft_ok && v->start_sector > o->start_sector && v->start_sector <= o_last)
			return true;
	}
	return false;
}

static GPtrArray *finder_results(Finder *f)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, f->found);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		g_ptr_array_add(all, value);
		g_hash_table_iter_steal(&it);
		g_free(key);
	}
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)rfs_found_volume_free);
	for (guint i = 0; i < all->len; i++) {
		RfsFoundVolume *v = all->pdata[i];
		if (v->kind == RFS_VOLUME_NTFS && !v->mft_ok && inside_confirmed(all, v))
			rfs_found_volume_free(v);
		else
			g_ptr_array_add(out, v);
	}
	g_ptr_array_sort(out, found_compare);
	return out;
}

GPtrArray *rfs_find_volumes(const char *disk, uint32_t sector_size, RfsFindMode mode,
			    RfsProgressFunc progress, void *user_data, GError **error)
{
	g_return_val_if_fail(disk != NULL, NULL);
	if (sector_size != 0 && (sector_size < 512 || sector_size > 65536 ||
				 (sector_size & (sector_size - 1)) != 0)) {
		rfs_set_error(error, RFS_ERROR_INVALID,
			      "sector size %" PRIu32 " is not a power of two in 512..65536", sector_size);
		return NULL;
	}
	if (mode != RFS_FIND_QUICK && mode != RFS_FIND_FULL && mode != RFS_FIND_TABLE) {
		rfs_set_error(error, RFS_ERROR_INVALID, "unknown search mode %d", (int)mode);
		return NULL;
	}
	Finder f = { 0 };
	f.disk = image_source_open(disk, FILE_SOURCE_SHARED, error);
	if (f.disk == NULL)
		return NULL;
	g_autoptr(GError) table_error = NULL;
	if (!partition_table_read(f.disk, sector_size, &f.table, &table_error))
		g_info("%s: partition table ignored: %s", disk, table_error->message);
	f.sector_size = sector_size != 0 ? sector_size
		      : f.table.count > 0 ? f.table.sector_size : f.disk->sector_size;
	f.probed = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	f.found = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
					(GDestroyNotify)rfs_found_volume_free);
	f.followups = g_array_new(FALSE, FALSE, sizeof(uint64_t));

	finder_probe_table(&f);
	if (mode == RFS_FIND_FULL) {
		finder_full(&f, progress, user_data);
		if (!any_confirmed(&f))
			finder_without_boot_sector(&f);
	} else if (mode == RFS_FIND_QUICK) {
		finder_quick(&f, progress, user_data);
	}

	GPtrArray *out = finder_results(&f);
	g_info("%s: %u volume(s) found", disk, out->len);
	g_array_unref(f.followups);
	g_hash_table_unref(f.found);
	g_hash_table_unref(f.probed);
	partition_table_clear(&f.table);
	block_source_close(f.disk);
	return out;
}

bool rfs_disk_partition_table(const char *disk, uint32_t sector_size, RfsTableKind *kind,
			      size_t *partition_count, GError **error)
{
	g_return_val_if_fail(disk != NULL && kind != NULL, false);
	BlockSource *src = image_source_open(disk, FILE_SOURCE_SHARED, error);
	if (src == NULL)
		return false;
	PartitionTable table = { 0 };
	g_autoptr(GError) table_error = NULL;
	if (!partition_table_read(src, sector_size, &table, &table_error)) {
		if (table_error->code == RFS_ERROR_IO || table_error->code == RFS_ERROR_GONE) {
			g_propagate_error(error, g_steal_pointer(&table_error));
			block_source_close(src);
			return false;
		}
		g_info("%s: partition table ignored: %s", disk, table_error->message);
	}
	*kind = table.count == 0 ? RFS_TABLE_NONE : table.is_gpt ? RFS_TABLE_GPT : RFS_TABLE_MBR;
	if (partition_count != NULL)
		*partition_count = table.count;
	partition_table_clear(&table);
	block_source_close(src);
	return true;
}
