/* The restore context: where the volume is (whole source, partition, lost volume at a
 * start sector with its primary or backup boot sector), BitLocker unlocking, and the scan.
 * Everything the source offers is read-only to us; nothing here ever writes. */
#define G_LOG_DOMAIN "restorefs-context"

#include "context/context_private.h"

#include <string.h>

#include "context/location.h"
#include "device/partition.h"
#include "index/mft_locate.h"
#include "index/mft_scan.h"
#include "index/volume_geometry.h"
#include "util/error.h"

bool context_read_boot_sector(BlockSource *src, uint64_t offset, BootSector *out, GError **error)
{
	uint8_t sector[BOOT_SECTOR_SIZE];
	if (offset > src->size_bytes || src->size_bytes - offset < sizeof sector)
		return rfs_set_error(error, RFS_ERROR_INVALID,
				     "the boot sector at byte %" PRIu64 " lies past the end of the source (%" PRIu64 " bytes)",
				     offset, src->size_bytes);
	if (!block_source_read(src, offset, sector, sizeof sector, error))
		return false;
	return boot_sector_parse(byte_span(sector, sizeof sector), out, error);
}

/* A source shorter than the volume its boot sector describes (an interrupted copy) would
 * answer read errors all over the tree; say so up front unless forced. */
static bool check_volume_fits(RfsContext *ctx, GError **error)
{
	uint64_t need = 0, have = ctx->volume_src->size_bytes;
	if (!g_uint64_checked_mul(&need, ctx->boot.total_clusters, ctx->boot.cluster_size) || have >= need)
		return true;
	if (ctx->force) {
		g_warning("%s is truncated: the volume needs %" PRIu64 " bytes, the source has %" PRIu64 "; reading what is there",
			  ctx->source, need, have);
		return true;
	}
	return rfs_set_error(error, RFS_ERROR_TRUNCATED,
			     "%s is truncated: the volume needs %" PRIu64 " bytes, the source has %" PRIu64,
			     ctx->source, need, have);
}

/* Record 0 and $MFTMirr both unreadable: the MFT's runlist from the records on the volume
 * (index/mft_locate.h), said aloud, since it is inferred. */
static Volume *open_located(RfsContext *ctx, GError *cause, GError **error)
{
	g_warning("%s: %s; looking for the MFT's records on the whole volume", ctx->source, cause->message);
	g_autoptr(Volume) bare = volume_new_bare(ctx->volume_src, &ctx->boot);
	Runlist runs = { 0 };
	uint64_t data_size = 0;
	MftLocateStats stats;
	g_autoptr(GError) locate_error = NULL;
	if (!mft_locate_runs(bare, &runs, &data_size, &stats, NULL, NULL, &locate_error) ||
	    !volume_adopt_mft(bare, &runs, data_size, &locate_error)) {
		runlist_clear(&runs);
		rfs_set_error(error, (RfsError)cause->code, "%s (and %s)", cause->message, locate_error->message);
		return NULL;
	}
	g_warning("%s: the MFT was located from %" PRIu64 " records found on the volume: %zu extents, %" PRIu64
		  " records (%" PRIu64 " clusters inferred between found ones, %" PRIu64 " records placed twice)",
		  ctx->source, stats.records_found, bare->mft.runs.count, bare->mft.records, stats.gaps_filled,
		  stats.conflicts);
	return g_steal_pointer(&bare);
}

bool context_open_volume(RfsContext *ctx, GError **error)
{
	if (!check_volume_fits(ctx, error))
		return false;
	g_autoptr(GError) cause = NULL;
	ctx->vol = volume_open(ctx->volume_src, &ctx->boot, &cause);
	if (ctx->vol == NULL && g_error_matches(cause, RFS_ERROR, RFS_ERROR_CORRUPT))
		ctx->vol = open_located(ctx, cause, error);
	else if (ctx->vol == NULL)
		g_propagate_error(error, g_steal_pointer(&cause));
	if (ctx->vol == NULL)
		return false;
	ctx->info.sector_size = ctx->boot.bytes_per_sector;
	ctx->info.cluster_size = ctx->boot.cluster_size;
	ctx->info.mft_record_size = ctx->boot.mft_record_size;
	ctx->info.total_clusters = ctx->boot.total_clusters;
	ctx->info.serial = ctx->boot.serial;
	ctx->info.label = ctx->vol->label;
	return true;
}

/* Selects partition `number` of the table on `src` and narrows src to it. The table knows
 * its own sector size (a 4Kn GPT is found on an image file too). */
static BlockSource *open_partition(BlockSource *src, const RfsLocation *loc, uint64_t *offset,
				   GError **error)
{
	PartitionTable table = { 0 };
	if (!partition_table_read(src, loc->sector_size, &table, error)) {
		block_source_close(src);
		return NULL;
	}
	const Partition *part = partition_table_lookup(&table, loc->partition);
	if (part == NULL) {
		rfs_set_error(error, RFS_ERROR_NOT_FOUND, "there is no partition %u (%s)", loc->partition,
			      table.count == 0 ? "no partition table found" : table.is_gpt ? "GPT" : "MBR");
		partition_table_clear(&table);
		block_source_close(src);
		return NULL;
	}
	uint64_t ss = table.sector_size, start = 0, size = 0;
	bool ok = g_uint64_checked_mul(&start, part->start_sector, ss) &&
		  g_uint64_checked_mul(&size, part->sector_count, ss);
	partition_table_clear(&table);
	if (!ok) {
		rfs_set_corrupt(error, "partition %u: its extent overflows", loc->partition);
		block_source_close(src);
		return NULL;
	}
	*offset = start;
	return window_open(src, start, size, error);
}

/* Whether the backup boot sector of the volume `bs` describes (inferred: its end is known to
 * within $Bitmap's rounding, 64 clusters) lies in `w`: then the caller should name it. */
static bool backup_boot_sector_exists(BlockSource *w, const BootSector *bs)
{
	uint64_t end = bs->total_sectors * 512, slack = 64 * (uint64_t)bs->cluster_size + 512;
	uint64_t from = end > slack ? end - slack : 0, to = MIN(w->size_bytes, end + bs->cluster_size);
	for (uint64_t at = from; at + BOOT_SECTOR_SIZE <= to; at += 512) {
		BootSector b;
		if (context_read_boot_sector(w, at, &b, NULL) && b.mft_lcn == bs->mft_lcn &&
		    b.cluster_size == bs->cluster_size && b.total_sectors * b.bytes_per_sector == at)
			return true;
	}
	return false;
}

/* A lost volume whose boot sector at its start is unusable: its geometry inferred from the
 * $MFT records from there on, if they put the volume's start exactly there. */
static BlockSource *open_inferred_volume(BlockSource *src, const LocationPlan *plan, BootSector *bs,
					 GError **error)
{
	g_autoptr(GError) cause = NULL;
	BlockSource *w = window_open(src, plan->start_offset, src->size_bytes - plan->start_offset, &cause);
	if (w == NULL)
		return NULL; /* window_open closed src; `error` says why the boot sector failed */
	VolumeGeometryReport report;
	if (!volume_geometry_infer(w, bs, &report, &cause) || report.start_offset != 0 ||
	    backup_boot_sector_exists(w, bs)) {
		block_source_close(w);
		return NULL;
	}
	g_clear_error(error);
	g_warning("no boot sector, MFT records found: inferred cluster size %u, MFT record size %u, $MFT at "
		  "cluster %" PRIu64 " (%u of 3 system files confirm it)", bs->cluster_size, bs->mft_record_size,
		  bs->mft_lcn, report.confirmations);
	return w;
}

/* A lost volume where `plan` puts it; its boot sector (primary or backup) says how large it
 * is. The backup describes the volume exactly like the primary, so the window is the same. */
static BlockSource *open_lost_volume(BlockSource *src, const LocationPlan *plan, BootSector *bs,
				     GError **error)
{
	g_autoptr(GError) cause = NULL;
	uint64_t size = 0;
	if (!context_read_boot_sector(src, plan->boot_offset, bs, &cause)) {
		rfs_set_error(error, RFS_ERROR_BAD_BOOT_SECTOR, "sector %" PRIu64 ": %s",
			      plan->boot_offset / plan->sector_size, cause->message);
		if (plan->boot_offset == plan->start_offset)
			return open_inferred_volume(src, plan, bs, error);
		block_source_close(src);
		return NULL;
	}
	if (!location_volume_size(plan, src->size_bytes, bs->total_sectors, bs->bytes_per_sector, &size, error)) {
		block_source_close(src);
		return NULL;
	}
	return window_open(src, plan->start_offset, size, error);
}

/* The backup of a damaged primary boot sector: the source's last sector. */
static bool try_backup_boot_sector(RfsContext *ctx, GError *primary_error, GError **error)
{
	uint64_t size = ctx->volume_src->size_bytes;
	const uint32_t candidates[] = { 512, 4096, ctx->volume_src->sector_size };
	for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
		if (size < candidates[i])
			continue;
		uint64_t at = size - candidates[i];
		/* The backup lies exactly total_sectors past the start; any other boot sector in
		 * the last sector (a later partition's backup on a whole disk) is not this volume's. */
		if (context_read_boot_sector(ctx->volume_src, at, &ctx->boot, NULL) &&
		    ctx->boot.total_sectors * ctx->boot.bytes_per_sector == at) {
			g_warning("the boot sector is damaged (%s); using its backup in the last sector",
				  primary_error->message);
			return true;
		}
	}
	return rfs_set_error(error, primary_error->code == RFS_ERROR_CORRUPT ? RFS_ERROR_INVALID : (RfsError)primary_error->code,
			     "%s: not a usable NTFS volume: %s", ctx->source, primary_error->message);
}

/* Whether SOURCE holds an MBR or GPT partition table (or one that fails its checks): then it
 * is a whole disk, and the front ends' guidance names its partitions instead. */
static bool has_partition_table(BlockSource *src)
{
	PartitionTable table;
	g_autoptr(GError) error = NULL;
	if (!partition_table_read(src, 0, &table, &error))
		return true;
	bool any = table.count > 0;
	partition_table_clear(&table);
	return any;
}

/* Both boot sectors unusable: the geometry inferred from the MFT's own records, said aloud.
 * `error` holds why the boot sectors failed; it is cleared on success. Without a location
 * (SOURCE taken as the volume itself) only a volume that starts at SOURCE's first byte is
 * accepted, and a source with a partition table is left alone: a whole disk is not a volume
 * that lost its boot sector, and --find-volumes says where its volumes are. */
static bool try_inferred_geometry(RfsContext *ctx, bool whole_source, GError **error)
{
	if (whole_source && has_partition_table(ctx->volume_src))
		return false;
	g_info("%s: no usable boot sector; looking for MFT records on the whole source", ctx->source);
	VolumeGeometryReport report;
	g_autoptr(GError) cause = NULL;
	BootSector boot;
	if (!volume_geometry_infer(ctx->volume_src, &boot, &report, &cause)) {
		if (error != NULL && *error != NULL) {
			GError *boot_error = *error;
			*error = g_error_new(boot_error->domain, boot_error->code, "%s (%s)", boot_error->message,
					     report.candidates == 0 ? "and no MFT records to infer a geometry from"
								    : cause->message);
			g_error_free(boot_error);
		}
		return false;
	}
	if (whole_source && report.start_offset != 0) {
		if (error != NULL && *error != NULL) {
			GError *boot_error = *error;
			*error = g_error_new(boot_error->domain, boot_error->code,
					     "%s (MFT records of a volume at byte %" PRIu64 " were found: "
					     "--find-volumes --full gives its command line)",
					     boot_error->message, report.start_offset);
			g_error_free(boot_error);
		}
		return false;
	}
	g_clear_error(error);
	g_warning("%s: no boot sector, MFT records found: inferred cluster size %u, MFT record size %u, "
		  "volume start at byte %" PRIu64 ", $MFT at cluster %" PRIu64 " (record 0 found at byte %" PRIu64
		  "; %u of 3 system files confirm it)", ctx->source, boot.cluster_size, boot.mft_record_size,
		  report.start_offset, boot.mft_lcn, report.record0_offset, report.confirmations);
	if (report.start_offset > 0) {
		BlockSource *w = window_open(ctx->volume_src, report.start_offset,
					     ctx->volume_src->size_bytes - report.start_offset, error);
		if (w == NULL)
			return false;
		ctx->volume_src = w;
		ctx->info.offset_bytes += report.start_offset;
		ctx->info.size_bytes = w->size_bytes;
	}
	ctx->boot = boot;
	return true;
}

static bool locate_volume(RfsContext *ctx, BlockSource *src, const RfsLocation *loc, GError **error)
{
	LocationPlan plan;
	if (!location_plan(loc, src->size_bytes, src->sector_size, &plan, error)) {
		block_source_close(src);
		return false;
	}
	uint64_t offset = 0;
	if (plan.kind == LOCATION_PARTITION) {
		src = open_partition(src, loc, &offset, error);
	} else if (plan.kind == LOCATION_DISK) {
		uint64_t start = plan.start_offset, boot = plan.boot_offset;
		if (boot == start && encrypted_volume_probe(src, start))
			src = window_open(src, start, src->size_bytes - start, error);
		else
			src = open_lost_volume(src, &plan, &ctx->boot, error);
		offset = start;
	}
	if (src == NULL)
		return false;
	ctx->volume_src = src;
	ctx->info.offset_bytes = offset;
	ctx->info.size_bytes = src->size_bytes;
	return true;
}

/* Switches to the decrypted bytes of an unlocked BitLocker volume and opens the NTFS in it.
 * The decrypted source owns the BitLocker volume, which reads the encrypted one. */
static bool open_decrypted(RfsContext *ctx, GError **error)
{
	ctx->raw_src = ctx->volume_src;
	ctx->volume_src = encrypted_volume_take_source(g_steal_pointer(&ctx->encrypted));
	if (!context_read_boot_sector(ctx->volume_src, 0, &ctx->boot, error)) {
		g_prefix_error(error, "the unlocked volume holds no usable NTFS: ");
		return false;
	}
	return context_open_volume(ctx, error);
}

const RfsEncryptionInfo *rfs_context_encryption(const RfsContext *ctx)
{
	return ctx->encryption;
}

RfsContext *rfs_context_create(const char *source, const RfsLocation *location, uint32_t api_version,
			       GError **error)
{
	static const RfsLocation whole = { 0 };
	const RfsLocation *loc = location != NULL ? location : &whole;
	if (api_version != RESTOREFS_API_VERSION) {
		rfs_set_error(error, RFS_ERROR_VERSION, "API version %u requested; this library speaks version %u",
			      api_version, RESTOREFS_API_VERSION);
		return NULL;
	}
	g_return_val_if_fail(source != NULL, NULL);
	if (!location_check(loc, error))
		return NULL;
	BlockSource *src = image_source_open(source, (loc->flags & RFS_CONTEXT_FORCE) ? FILE_SOURCE_FORCE : 0, error);
	if (src == NULL)
		return NULL;
	g_autoptr(RfsContext) ctx = g_new0(RfsContext, 1);
	ctx->source = g_strdup(source);
	ctx->force = loc->flags & RFS_CONTEXT_FORCE;
	ctx->info.label = "";
	if (!locate_volume(ctx, src, loc, error))
		return NULL;
	uint8_t head[BOOT_SECTOR_SIZE];
	if (!block_source_read(ctx->volume_src, 0, head, sizeof head, error))
		return NULL;
	if (encrypted_volume_probe_sector(byte_span(head, sizeof head))) {
		EncryptedVolumeBackend backend = (loc->flags & RFS_CONTEXT_BITLOCKER_LIBBDE)
							 ? ENCRYPTED_VOLUME_LIBBDE : ENCRYPTED_VOLUME_NATIVE;
		ctx->encrypted = encrypted_volume_open(ctx->volume_src, backend, error);
		if (ctx->encrypted == NULL)
			return NULL;
		ctx->info.encrypted = true;
		ctx->encryption = encrypted_volume_info_copy(ctx->encrypted);
		/* Suspended BitLocker keeps a clear key: no secret is needed to read it. */
		if (!encrypted_volume_is_locked(ctx->encrypted) && !open_decrypted(ctx, error))
			return NULL;
		return g_steal_pointer(&ctx);
	}
	bool located = (loc->flags & RFS_CONTEXT_DISK) && loc->partition == 0;
	if (!located) {
		g_autoptr(GError) primary_error = NULL;
		if (!boot_sector_parse(byte_span(head, sizeof head), &ctx->boot, &primary_error) &&
		    !try_backup_boot_sector(ctx, primary_error, error) &&
		    !try_inferred_geometry(ctx, loc->partition == 0, error))
			return NULL;
	}
	if (!context_open_volume(ctx, error))
		return NULL;
	return g_steal_pointer(&ctx);
}

void rfs_context_free(RfsContext *ctx)
{
	if (ctx == NULL)
		return;
	snapshot_view_free_all(ctx); /* the copies read through volume_src */
	deleted_index_free(ctx->index);
	volume_free(ctx->vol);
	encrypted_volume_free(ctx->encrypted); /* borrows volume_src while locked */
	block_source_close(ctx->volume_src);
	block_source_close(ctx->raw_src);
	g_free(ctx->encryption);
	g_free(ctx->source);
	g_free(ctx);
}

bool rfs_context_needs_decryption(const RfsContext *ctx)
{
	return ctx->encrypted != NULL;
}

bool rfs_context_supply_decryption(RfsContext *ctx, const RfsDecryptionInfo *info, GError **error)
{
	g_return_val_if_fail(info != NULL, false);
	if (ctx->encrypted == NULL)
		return rfs_set_error(error, RFS_ERROR_INVALID, "%s is not encrypted, or already unlocked", ctx->source);
	if (!encrypted_volume_unlock(ctx->encrypted, info->kind, info->data, info->size, error))
		return false;
	return open_decrypted(ctx, error);
}

bool rfs_context_scan(RfsContext *ctx, uint32_t scan_flags, RfsProgressFunc progress, void *user_data,
		      GError **error)
{
	if (ctx->encrypted != NULL)
		return rfs_set_error(error, RFS_ERROR_LOCKED,
				     "%s is BitLocker-encrypted: supply a password, recovery password or key first",
				     ctx->source);
	if (ctx->index != NULL)
		return rfs_set_error(error, RFS_ERROR_INVALID, "%s: already scanned", ctx->source);
	if (ctx->vol == NULL)
		return rfs_set_error(error, RFS_ERROR_INVALID, "%s: the volume could not be opened", ctx->source);
	g_autoptr(GError) meta_error = NULL;
	if (!volume_load_metadata(ctx->vol, &meta_error))
		g_warning("%s: cluster bitmap unreadable (%s): every cluster counts as in use",
			  ctx->source, meta_error->message);
	ctx->info.label = ctx->vol->label;
	ctx->info.free_clusters = volume_free_clusters(ctx->vol);
	if (scan_flags & RFS_SCAN_DEEP_ALL)
		scan_flags |= RFS_SCAN_DEEP;
	DeletedIndex *index = deleted_index_new();
	g_autoptr(MftScan) scan = mft_scan_new(ctx->vol, index, scan_flags);
	ctx->phase = RFS_SCAN_PHASE_MFT;
	if (!mft_scan_records(scan, progress, user_data, error)) {
		deleted_index_free(index);
		return false;
	}
	if (scan_flags & RFS_SCAN_DEEP) {
		ctx->phase = RFS_SCAN_PHASE_SWEEP;
		if (!mft_scan_sweep(scan, progress, user_data, error)) {
			deleted_index_free(index);
			return false;
		}
	}
	if (!mft_scan_finish(scan, error)) {
		deleted_index_free(index);
		return false;
	}
	ctx->index = index;
	ctx->phase = RFS_SCAN_PHASE_SNAPSHOTS;
	if (!snapshot_view_scan_all(ctx, scan_flags, progress, user_data, error)) {
		snapshot_view_free_all(ctx);
		ctx->index = NULL;
		deleted_index_free(index);
		return false;
	}
	g_info("%s: %" PRIu64 " records, %" PRIu64 " deleted files, %" PRIu64 " deleted directories, %" PRIu64 " orphans",
	       ctx->source, index->stats.records_total, index->stats.deleted_files,
	       index->stats.deleted_dirs, index->stats.orphans);
	return true;
}

RfsScanPhase rfs_context_scan_phase(const RfsContext *ctx)
{
	return ctx->phase;
}

const RfsScanStats *rfs_context_stats(const RfsContext *ctx)
{
	static const RfsScanStats none;
	return ctx->index != NULL ? &ctx->index->stats : &none;
}

const RfsVolumeInfo *rfs_context_volume(const RfsContext *ctx)
{
	return &ctx->info;
}
