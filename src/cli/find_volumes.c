/* restorefs-scan --find-volumes: presents rfs_find_volumes() results. The search itself,
 * and every check of a candidate, belong to the library; this file only prints. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "find_volumes.h"

#include <glib.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>


#include "entry_text.h"
#include "progress.h"
#include "source_guide.h"
#include "restorefs/restorefs.h"
#include "restorefs/volumes.h"

/* The exact command of `program` that opens `v`: by its partition when a table entry holds
 * it and its primary boot sector is intact, else by start sector (and boot sector and sector
 * size when they differ from the defaults); a volume that is the whole disk needs neither. */
static char *open_command(const char *program, const char *args_after, const char *disk,
			  const RfsFoundVolume *v)
{
	GString *cmd = g_string_new(program);
	if (v->partition != 0 && !v->from_backup) {
		g_string_append_printf(cmd, " --partition %" PRIu32, v->partition);
	} else if (v->start_sector != 0 || v->from_backup) {
		if (v->sector_size != 0 && v->sector_size != 512)
			g_string_append_printf(cmd, " --sector-size %" PRIu32, v->sector_size);
		g_string_append_printf(cmd, " --start-sector %" PRIu64, v->start_sector);
		if (v->boot_sector != v->start_sector)
			g_string_append_printf(cmd, " --boot-sector %" PRIu64, v->boot_sector);
	}
	g_autofree char *word = source_guide_shell_word(disk);
	g_string_append_printf(cmd, " %s%s", word, args_after);
	return g_string_free(cmd, FALSE);
}

static char *mount_command(const char *disk, const RfsFoundVolume *v)
{
	return open_command("restorefs", " MOUNTPOINT", disk, v);
}

static char *scan_command(const char *disk, const RfsFoundVolume *v)
{
	return open_command("restorefs-scan", "", disk, v);
}

/* The disk itself is the volume: an image of one volume, not of a disk. */
static bool is_whole_source(const RfsFoundVolume *v, RfsTableKind table)
{
	return v->start_sector == 0 && !v->from_backup && v->partition == 0 && table == RFS_TABLE_NONE;
}

static const char *table_name(RfsTableKind table)
{
	return table == RFS_TABLE_GPT ? "GPT" : table == RFS_TABLE_MBR ? "MBR" : NULL;
}

static void print_text(const char *disk, RfsTableKind table, size_t partitions, const GPtrArray *found)
{
	if (table != RFS_TABLE_NONE)
		printf("%s: %s partition table, %zu %s\n", disk, table_name(table), partitions,
		       entry_text_plural(partitions, "partition", "partitions"));
	else
		printf("%s: no partition table\n", disk);
	if (found->len == 0) {
		printf("no NTFS or BitLocker volume found on %s\n", disk);
		return;
	}
	for (guint i = 0; i < found->len; i++) {
		const RfsFoundVolume *v = g_ptr_array_index(found, i);
		g_autoptr(GString) what = g_string_new(NULL);
		source_guide_describe_volume(what, v);
		printf("volume %u: %s", i + 1, what->str);
		if (v->no_boot_sector)
			printf(", no boot sector, MFT records found\n  geometry:    inferred from them: "
			       "clusters of %" PRIu32 " bytes, the size from $Bitmap\n", v->cluster_size);
		else if (v->kind == RFS_VOLUME_NTFS)
			printf(", $MFT %s", v->mft_ok ? "ok" : "NOT readable");
		if (!v->no_boot_sector)
			printf("\n  boot sector: %" PRIu64 " (%s)\n", v->boot_sector,
			       v->from_backup ? "backup copy at the volume's end" : "primary");
		if (is_whole_source(v, table))
			printf("  partition:   none: %s is itself an %s volume\n", disk, v->kind == RFS_VOLUME_BITLOCKER ? "BitLocker" : "NTFS");
		else if (v->partition != 0)
			printf("  partition:   %" PRIu32 " of the %s partition table\n", v->partition, table_name(table));
		else
			printf("  partition:   none (no partition table entry covers it)\n");
		g_autofree char *mount = mount_command(disk, v);
		g_autofree char *scan = scan_command(disk, v);
		printf("  mount with:  %s\n  list with:   %s\n", mount, scan);
	}
}

static void print_json(const char *disk, RfsTableKind table, const GPtrArray *found)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "disk");
	json_builder_add_string_value(b, disk);
	json_builder_set_member_name(b, "table");
	if (table != RFS_TABLE_NONE)
		json_builder_add_string_value(b, table == RFS_TABLE_GPT ? "gpt" : "mbr");
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "volumes");
	json_builder_begin_array(b);
	for (guint i = 0; i < found->len; i++) {
		const RfsFoundVolume *v = g_ptr_array_index(found, i);
		g_autofree char *cmd = mount_command(disk, v);
		g_autofree char *scan = scan_command(disk, v);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "kind");
		json_builder_add_string_value(b, v->kind == RFS_VOLUME_BITLOCKER ? "bitlocker" : "ntfs");
		json_builder_set_member_name(b, "start_sector");
		json_builder_add_int_value(b, (gint64)v->start_sector);
		json_builder_set_member_name(b, "boot_sector");
		json_builder_add_int_value(b, (gint64)v->boot_sector);
		json_builder_set_member_name(b, "from_backup");
		json_builder_add_boolean_value(b, v->from_backup);
		json_builder_set_member_name(b, "size_bytes");
		json_builder_add_int_value(b, (gint64)v->size_bytes);
		json_builder_set_member_name(b, "sector_size");
		json_builder_add_int_value(b, v->sector_size);
		json_builder_set_member_name(b, "cluster_size");
		json_builder_add_int_value(b, v->cluster_size);
		json_builder_set_member_name(b, "label");
		if (v->label != NULL)
			json_builder_add_string_value(b, v->label);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "partition");
		json_builder_add_int_value(b, v->partition);
		json_builder_set_member_name(b, "mft_ok");
		json_builder_add_boolean_value(b, v->mft_ok);
		json_builder_set_member_name(b, "no_boot_sector");
		json_builder_add_boolean_value(b, v->no_boot_sector);
		json_builder_set_member_name(b, "command");
		json_builder_add_string_value(b, cmd);
		json_builder_set_member_name(b, "scan_command");
		json_builder_add_string_value(b, scan);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
}

int find_volumes_run(const char *disk, uint32_t sector_size, bool full, bool json, bool quiet)
{
	g_autoptr(GError) error = NULL;
	Progress *progress = quiet ? NULL : progress_new("searching", 0, PROGRESS_BYTES, NULL);
	g_autoptr(GPtrArray) found = rfs_find_volumes(disk, sector_size, full ? RFS_FIND_FULL : RFS_FIND_QUICK,
						      progress_callback, progress, &error);
	progress_free(progress);
	if (found == NULL) {
		fprintf(stderr, "restorefs-scan: %s\n", error->message);
		return 2;
	}
	RfsTableKind table = RFS_TABLE_NONE;
	size_t partitions = 0;
	g_autoptr(GError) table_error = NULL;
	if (!rfs_disk_partition_table(disk, sector_size, &table, &partitions, &table_error))
		g_warning("%s: partition table unreadable: %s", disk, table_error->message);
	if (json)
		print_json(disk, table, found);
	else
		print_text(disk, table, partitions, found);
	return fflush(stdout) == 0 ? 0 : 4;
}
