/* The arithmetic of RfsLocation: which kind of location it names, and the byte offsets of
 * the volume and of the boot sector to read. Pure: it never touches the source, so every
 * overflow and edge is testable without a disk. */
#define G_LOG_DOMAIN "restorefs-context"

#include "context/location.h"

#include "util/error.h"

bool location_check(const RfsLocation *loc, GError **error)
{
	bool disk = loc->flags & RFS_CONTEXT_DISK;
	if (loc->start_sector != 0 && loc->offset_bytes != 0)
		return rfs_set_error(error, RFS_ERROR_INVALID, "give the start sector or the byte offset, not both");
	if (loc->partition != 0 && disk)
		return rfs_set_error(error, RFS_ERROR_INVALID, "a partition number and a start sector exclude each other");
	if (!disk && (loc->start_sector != 0 || loc->offset_bytes != 0 || loc->boot_sector != 0))
		return rfs_set_error(error, RFS_ERROR_INVALID,
				     "a start sector, byte offset or boot sector needs RFS_CONTEXT_DISK");
	return true;
}

bool location_plan(const RfsLocation *loc, uint64_t source_size, uint32_t source_sector_size,
		   LocationPlan *out, GError **error)
{
	uint32_t ss = loc->sector_size != 0 ? loc->sector_size : source_sector_size;
	g_return_val_if_fail(ss != 0, false);
	*out = (LocationPlan){ .kind = LOCATION_WHOLE, .sector_size = ss };
	if (!location_check(loc, error))
		return false;
	if (loc->partition != 0) {
		out->kind = LOCATION_PARTITION;
		out->partition = loc->partition;
		return true;
	}
	if (!(loc->flags & RFS_CONTEXT_DISK))
		return true;
	uint64_t start = loc->offset_bytes, boot = 0;
	bool start_ok = loc->start_sector == 0 || g_uint64_checked_mul(&start, loc->start_sector, ss);
	bool boot_ok = loc->boot_sector == 0 || g_uint64_checked_mul(&boot, loc->boot_sector, ss);
	if (!start_ok || !boot_ok)
		return rfs_set_error(error, RFS_ERROR_INVALID, "sector %" PRIu64 " lies beyond any disk",
				     !start_ok ? loc->start_sector : loc->boot_sector);
	if (loc->boot_sector == 0)
		boot = start;
	if (start >= source_size || boot >= source_size)
		return rfs_set_error(error, RFS_ERROR_INVALID,
				     "sector %" PRIu64 " is past the end of the disk (%" PRIu64 " sectors of %u bytes)",
				     (start >= source_size ? start : boot) / ss, source_size / ss, ss);
	if (boot < start)
		return rfs_set_error(error, RFS_ERROR_INVALID,
				     "the boot sector (%" PRIu64 ") lies before the start sector (%" PRIu64 ")",
				     boot / ss, start / ss);
	out->kind = LOCATION_DISK;
	out->start_offset = start;
	out->boot_offset = boot;
	out->from_backup = boot != start;
	return true;
}

bool location_volume_size(const LocationPlan *plan, uint64_t source_size, uint64_t total_sectors,
			  uint32_t bytes_per_sector, uint64_t *size_bytes, GError **error)
{
	g_return_val_if_fail(plan->kind == LOCATION_DISK && plan->start_offset < source_size, false);
	uint64_t bytes = 0;
	bool fits = g_uint64_checked_mul(&bytes, total_sectors, bytes_per_sector);
	if (plan->from_backup && (!fits || plan->boot_offset - plan->start_offset != bytes)) {
		uint64_t boot = plan->boot_offset / plan->sector_size;
		uint64_t expect = boot >= total_sectors ? boot - total_sectors : 0;
		return rfs_set_error(error, RFS_ERROR_INVALID,
				     "the boot sector at sector %" PRIu64 " describes a volume of %" PRIu64 " sectors, so as a backup its volume starts at sector %" PRIu64 ", not %" PRIu64,
				     boot, total_sectors, expect, plan->start_offset / plan->sector_size);
	}
	/* The backup boot sector sits one sector past total_sectors; keep it in the window.
	 * Forged sizes that overflow saturate: the end of the source bounds the window anyway. */
	uint64_t size = UINT64_MAX;
	if (fits && !g_uint64_checked_add(&size, bytes, bytes_per_sector))
		size = UINT64_MAX;
	*size_bytes = MIN(size, source_size - plan->start_offset);
	return true;
}
