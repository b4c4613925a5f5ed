/* location_check, location_plan and location_volume_size: RfsLocation turned into byte offsets
 * without a disk. Zero locations, a start sector alone, the backup boot sector in the volume's
 * last sector, byte offsets, partitions, and sector numbers that overflow or lie past the end. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "context/location.h"

enum {
	SS = 512,
	DISK_SECTORS = 262144,         /* a 128 MiB disk of 512-byte sectors */
	VOLUME_START = 2048,
	VOLUME_SECTORS = 131071,       /* total_sectors: the backup lies in the sector after them */
	BACKUP = VOLUME_START + VOLUME_SECTORS,
};
#define DISK_BYTES ((uint64_t)DISK_SECTORS * SS)

static LocationPlan plan_of(RfsLocation loc, uint64_t source_size, uint32_t source_sector_size)
{
	LocationPlan plan;
	g_autoptr(GError) error = NULL;
	cr_assert(location_plan(&loc, source_size, source_sector_size, &plan, &error), "%s",
		  error != NULL ? error->message : "");
	return plan;
}

/* location_plan must refuse `loc` with RFS_ERROR_INVALID and a message containing `says`. */
static void assert_refused(RfsLocation loc, uint64_t source_size, const char *says)
{
	LocationPlan plan;
	g_autoptr(GError) error = NULL;
	cr_assert_not(location_plan(&loc, source_size, SS, &plan, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID), "%s", error->message);
	cr_assert(strstr(error->message, says) != NULL, "'%s' does not say '%s'", error->message, says);
}

Test(location, zero_means_the_whole_source)
{
	LocationPlan plan = plan_of((RfsLocation){ 0 }, DISK_BYTES, SS);
	cr_assert_eq(plan.kind, LOCATION_WHOLE);
	cr_assert_eq(plan.sector_size, SS);
	cr_assert_eq(plan.start_offset, 0);
	cr_assert_not(plan.from_backup);
	plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_FORCE }, DISK_BYTES, 4096);
	cr_assert_eq(plan.kind, LOCATION_WHOLE);
	cr_assert_eq(plan.sector_size, 4096, "the source's sector size when none is given");
}

Test(location, a_start_sector_alone_reads_the_primary_there)
{
	LocationPlan plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START },
				    DISK_BYTES, SS);
	cr_assert_eq(plan.kind, LOCATION_DISK);
	cr_assert_eq(plan.start_offset, (uint64_t)VOLUME_START * SS);
	cr_assert_eq(plan.boot_offset, plan.start_offset, "boot_sector 0 is the start sector");
	cr_assert_not(plan.from_backup);

	/* naming the start sector as the boot sector is the same */
	plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START,
				      .boot_sector = VOLUME_START }, DISK_BYTES, SS);
	cr_assert_eq(plan.boot_offset, plan.start_offset);
	cr_assert_not(plan.from_backup);

	/* a disk location at sector 0 */
	plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK }, DISK_BYTES, SS);
	cr_assert_eq(plan.kind, LOCATION_DISK);
	cr_assert_eq(plan.start_offset, 0);
	cr_assert_eq(plan.boot_offset, 0);
}

Test(location, sector_numbers_count_in_the_given_or_the_source_sector_size)
{
	LocationPlan plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = 256 }, DISK_BYTES, 4096);
	cr_assert_eq(plan.start_offset, 256 * 4096);
	plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .sector_size = 4096, .start_sector = 256 },
		       DISK_BYTES, SS);
	cr_assert_eq(plan.sector_size, 4096);
	cr_assert_eq(plan.start_offset, 256 * 4096);
}

Test(location, the_backup_in_the_volumes_last_sector)
{
	RfsLocation loc = { .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START, .boot_sector = BACKUP };
	LocationPlan plan = plan_of(loc, DISK_BYTES, SS);
	cr_assert_eq(plan.kind, LOCATION_DISK);
	cr_assert(plan.from_backup);
	cr_assert_eq(plan.boot_offset, (uint64_t)BACKUP * SS);

	/* the window is the volume and its backup sector, wherever the boot sector was read */
	uint64_t size = 0;
	g_autoptr(GError) error = NULL;
	cr_assert(location_volume_size(&plan, DISK_BYTES, VOLUME_SECTORS, SS, &size, &error));
	cr_assert_eq(size, (uint64_t)(VOLUME_SECTORS + 1) * SS);

	/* a disk that ends right after the backup */
	uint64_t tight = (uint64_t)(BACKUP + 1) * SS;
	plan = plan_of(loc, tight, SS);
	cr_assert(location_volume_size(&plan, tight, VOLUME_SECTORS, SS, &size, &error));
	cr_assert_eq(size, (uint64_t)(VOLUME_SECTORS + 1) * SS);
}

Test(location, a_backup_that_belongs_to_another_start_is_refused)
{
	RfsLocation loc = { .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START + 1, .boot_sector = BACKUP };
	LocationPlan plan = plan_of(loc, DISK_BYTES, SS);
	uint64_t size = 0;
	g_autoptr(GError) error = NULL;
	cr_assert_not(location_volume_size(&plan, DISK_BYTES, VOLUME_SECTORS, SS, &size, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID));
	cr_assert(strstr(error->message, "starts at sector 2048, not 2049") != NULL, "%s", error->message);

	/* a volume larger than the distance from the start: the backup's volume would start before 0 */
	g_clear_error(&error);
	cr_assert_not(location_volume_size(&plan, DISK_BYTES, UINT64_MAX / 2, SS, &size, &error));
	cr_assert(strstr(error->message, "starts at sector 0, not 2049") != NULL, "%s", error->message);
	/* total_sectors * bytes_per_sector overflows */
	g_clear_error(&error);
	cr_assert_not(location_volume_size(&plan, DISK_BYTES, UINT64_MAX, 4096, &size, &error));
}

Test(location, the_primarys_window_is_clipped_to_the_source)
{
	LocationPlan plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START },
				    DISK_BYTES, SS);
	uint64_t size = 0;
	cr_assert(location_volume_size(&plan, DISK_BYTES, VOLUME_SECTORS, SS, &size, NULL));
	cr_assert_eq(size, (uint64_t)(VOLUME_SECTORS + 1) * SS);
	/* a source cut short: what is there (the scan decides whether that is enough) */
	uint64_t short_disk = (uint64_t)(VOLUME_START + 1000) * SS;
	plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START }, short_disk, SS);
	cr_assert(location_volume_size(&plan, short_disk, VOLUME_SECTORS, SS, &size, NULL));
	cr_assert_eq(size, 1000 * SS);
	/* forged sizes that overflow are clipped, not wrapped */
	cr_assert(location_volume_size(&plan, short_disk, UINT64_MAX, 4096, &size, NULL));
	cr_assert_eq(size, 1000 * SS);
	cr_assert(location_volume_size(&plan, short_disk, UINT64_MAX / SS, SS, &size, NULL));
	cr_assert_eq(size, 1000 * SS);
}

Test(location, offset_bytes_instead_of_a_start_sector)
{
	LocationPlan plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .offset_bytes = 1 << 20 }, DISK_BYTES, SS);
	cr_assert_eq(plan.kind, LOCATION_DISK);
	cr_assert_eq(plan.start_offset, 1 << 20);
	cr_assert_eq(plan.boot_offset, 1 << 20);
	/* an offset need not be a whole number of sectors */
	plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .offset_bytes = 1000 }, DISK_BYTES, SS);
	cr_assert_eq(plan.start_offset, 1000);
	/* the boot sector stays a sector number */
	plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .offset_bytes = 1 << 20, .boot_sector = BACKUP },
		       DISK_BYTES, SS);
	cr_assert(plan.from_backup);
	cr_assert_eq(plan.boot_offset, (uint64_t)BACKUP * SS);
	assert_refused((RfsLocation){ .flags = RFS_CONTEXT_DISK, .offset_bytes = DISK_BYTES }, DISK_BYTES,
		       "past the end of the disk");
}

Test(location, a_partition)
{
	LocationPlan plan = plan_of((RfsLocation){ .partition = 5, .sector_size = 4096 }, DISK_BYTES, SS);
	cr_assert_eq(plan.kind, LOCATION_PARTITION);
	cr_assert_eq(plan.partition, 5);
	plan = plan_of((RfsLocation){ .partition = 1, .flags = RFS_CONTEXT_FORCE }, DISK_BYTES, SS);
	cr_assert_eq(plan.kind, LOCATION_PARTITION);
	assert_refused((RfsLocation){ .partition = 1, .flags = RFS_CONTEXT_DISK }, DISK_BYTES, "exclude each other");
	assert_refused((RfsLocation){ .partition = 1, .flags = RFS_CONTEXT_DISK, .start_sector = 2048 }, DISK_BYTES,
		       "exclude each other");
}

Test(location, contradictions_are_refused_before_the_source_is_opened)
{
	const RfsLocation bad[] = {
		{ .flags = RFS_CONTEXT_DISK, .start_sector = 1, .offset_bytes = 512 },
		{ .partition = 2, .flags = RFS_CONTEXT_DISK },
		{ .start_sector = 2048 },      /* without RFS_CONTEXT_DISK */
		{ .offset_bytes = 1 << 20 },
		{ .boot_sector = BACKUP },
		{ .partition = 1, .boot_sector = 5 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		cr_assert_not(location_check(&bad[i], &error), "case %zu", i);
		cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_INVALID), "case %zu", i);
	}
	cr_assert(location_check(&(RfsLocation){ 0 }, NULL));
	cr_assert(location_check(&(RfsLocation){ .flags = RFS_CONTEXT_DISK | RFS_CONTEXT_FORCE, .start_sector = 63,
						  .boot_sector = 99, .sector_size = 4096 }, NULL));
}

Test(location, sectors_past_the_end_or_before_the_start)
{
	assert_refused((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = DISK_SECTORS }, DISK_BYTES,
		       "sector 262144 is past the end of the disk (262144 sectors of 512 bytes)");
	assert_refused((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START,
				      .boot_sector = DISK_SECTORS + 7 }, DISK_BYTES,
		       "sector 262151 is past the end");
	assert_refused((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START, .boot_sector = 100 },
		       DISK_BYTES, "the boot sector (100) lies before the start sector (2048)");
	/* the last sector of the disk is still on it */
	LocationPlan plan = plan_of((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = DISK_SECTORS - 1 },
				    DISK_BYTES, SS);
	cr_assert_eq(plan.start_offset, DISK_BYTES - SS);
}

Test(location, overflowing_sector_numbers)
{
	assert_refused((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = UINT64_MAX }, DISK_BYTES,
		       "sector 18446744073709551615 lies beyond any disk");
	uint64_t first_to_wrap = UINT64_MAX / SS + 1;
	g_autofree char *says = g_strdup_printf("sector %" PRIu64 " lies beyond any disk", first_to_wrap);
	assert_refused((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = first_to_wrap }, DISK_BYTES, says);
	assert_refused((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = VOLUME_START,
				      .boot_sector = first_to_wrap }, DISK_BYTES, says);
	/* the largest sector that does not wrap is merely past the end */
	assert_refused((RfsLocation){ .flags = RFS_CONTEXT_DISK, .start_sector = first_to_wrap - 1 }, DISK_BYTES,
		       "past the end");
	/* with 4096-byte sectors the limit is lower */
	LocationPlan plan;
	g_autoptr(GError) error = NULL;
	RfsLocation big = { .flags = RFS_CONTEXT_DISK, .sector_size = 4096, .start_sector = UINT64_MAX / 4096 + 1 };
	cr_assert_not(location_plan(&big, UINT64_MAX, SS, &plan, &error));
	cr_assert(strstr(error->message, "lies beyond any disk") != NULL, "%s", error->message);
}
