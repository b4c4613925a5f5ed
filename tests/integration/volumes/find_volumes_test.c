/* Prints what rfs_find_volumes() finds on a disk, one line per volume, for the volume
 * discovery tests: find_volumes_test DISK [--full] [--sector-size N] */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restorefs/volumes.h"

static void count_calls(uint64_t done, uint64_t total, void *user_data)
{
	uint64_t *last = user_data;
	if (done < *last || done > total)
		fprintf(stderr, "progress went from %" PRIu64 " to %" PRIu64 " of %" PRIu64 "\n",
			*last, done, total);
	*last = done;
}

int main(int argc, char **argv)
{
	RfsFindMode mode = RFS_FIND_QUICK;
	uint32_t sector_size = 0;
	const char *disk = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--full") == 0)
			mode = RFS_FIND_FULL;
		else if (strcmp(argv[i], "--sector-size") == 0 && i + 1 < argc)
			sector_size = (uint32_t)strtoul(argv[++i], NULL, 10);
		else
			disk = argv[i];
	}
	if (disk == NULL) {
		fprintf(stderr, "usage: %s DISK [--full] [--sector-size N]\n", argv[0]);
		return 2;
	}
	g_autoptr(GError) error = NULL;
	uint64_t last = 0;
	g_autoptr(GPtrArray) found = rfs_find_volumes(disk, sector_size, mode, count_calls, &last,
						      &error);
	if (found == NULL) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	for (guint i = 0; i < found->len; i++) {
		const RfsFoundVolume *v = found->pdata[i];
		printf("%s start=%" PRIu64 " boot=%" PRIu64 " backup=%d size=%" PRIu64
		       " sector=%" PRIu32 " cluster=%" PRIu32 " partition=%" PRIu32 " mft=%d label=%s\n",
		       v->kind == RFS_VOLUME_NTFS ? "ntfs" : "bitlocker", v->start_sector,
		       v->boot_sector, v->from_backup, v->size_bytes, v->sector_size,
		       v->cluster_size, v->partition, v->mft_ok, v->label != NULL ? v->label : "-");
	}
	return 0;
}
