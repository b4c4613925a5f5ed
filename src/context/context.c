/* The restore context: where the volume is (whole source, partition, lost volume at a
 * start sector with its primary or backup boot sector), BitLocker unlocking, and the scan.
 * Everything the source offers is read-only to us; nothing here ever writes. */
#define G_LOG_DOMAIN "restorefs-context"

#include "context/context_private.h"

#include <string.h>

#include "context/location.h"
#include "device/partition.h"
#include "index/mft_scan.h"
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

bool context_open_volume(RfsContext *ctx, GError **error)
{
	if (!check_volume_fits(ctx, error))
		return false;
	ctx->vol = volume_open(ctx->volume_src, &ctx->boot, error);
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
		    !try_backup_boot_sector(ctx, primary_error, error))
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
	DeletedIndex *index = deleted_index_new();
	if (!mft_scan_run(ctx->vol, index, scan_flags, progress, user_data, error)) {
		deleted_index_free(index);
		return false;
	}
	ctx->index = index;
	snapshot_view_scan_all(ctx, scan_flags);
	g_info("%s: %" PRIu64 " records, %" PRIu64 " deleted files, %" PRIu64 " deleted directories, %" PRIu64 " orphans",
	       ctx->source, index->stats.records_total, index->stats.deleted_files,
	       index->stats.deleted_dirs, index->stats.orphans);
	return true;
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
