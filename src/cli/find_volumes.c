/* restorefs-scan --find-volumes: presents rfs_find_volumes() results. The search itself,
 * and every check of a candidate, belong to the library; this file only prints. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "find_volumes.h"

#include <glib.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "list_format.h"

#include "progress.h"
#include "restorefs/restorefs.h"
#include "restorefs/volumes.h"

/* The exact restorefs command that mounts `v`; the boot sector and sector size are named
 * only when they differ from the defaults. */
static char *mount_command(const char *disk, const RfsFoundVolume *v)
{
	GString *cmd = g_string_new("restorefs");
	if (v->sector_size != 0 && v->sector_size != 512)
		g_string_append_printf(cmd, " --sector-size %" PRIu32, v->sector_size);
	g_string_append_printf(cmd, " --start-sector %" PRIu64, v->start_sector);
	if (v->boot_sector != v->start_sector)
		g_string_append_printf(cmd, " --boot-sector %" PRIu64, v->boot_sector);
	/* Quoted only when the shell would otherwise split or expand it. */
	bool plain = disk[0] != '\0' && disk[strspn(disk, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						       "0123456789/._+:@%,=-")] == '\0';
	g_autofree char *quoted = plain ? g_strdup(disk) : g_shell_quote(disk);
	g_string_append_printf(cmd, " %s MOUNTPOINT", quoted);
	return g_string_free(cmd, FALSE);
}

static const char *kind_word(const RfsFoundVolume *v)
{
	return v->kind == RFS_VOLUME_BITLOCKER ? "BitLocker" : "NTFS";
}

static void print_text(const char *disk, const GPtrArray *found)
{
	if (found->len == 0) {
		printf("no NTFS or BitLocker volume found on %s\n", disk);
		return;
	}
	for (guint i = 0; i < found->len; i++) {
		const RfsFoundVolume *v = g_ptr_array_index(found, i);
		char size[LIST_FORMAT_SIZE_SIZE] = "size unknown";
		if (v->size_bytes > 0)
			list_format_human_size(v->size_bytes, size);
		printf("volume %u: %s at sector %" PRIu64 ", %s", i + 1, kind_word(v), v->start_sector, size);
		if (v->label != NULL && v->label[0] != '\0') { /* read from disk: escaped */
			g_autoptr(GString) label = g_string_new(NULL);
			entry_text_escape(label, v->label);
			printf(", label \"%s\"", label->str);
		}
		if (v->no_boot_sector)
			printf(", no boot sector, MFT records found\n  geometry:    inferred from them: "
			       "clusters of %" PRIu32 " bytes, the size from $Bitmap\n", v->cluster_size);
		else if (v->kind == RFS_VOLUME_NTFS)
			printf(", $MFT %s", v->mft_ok ? "ok" : "NOT readable");
		if (!v->no_boot_sector)
			printf("\n  boot sector: %" PRIu64 " (%s)\n", v->boot_sector,
			       v->from_backup ? "backup copy at the volume's end" : "primary");
		if (v->partition != 0)
			printf("  partition:   %" PRIu32 " of the partition table\n", v->partition);
		else
			printf("  partition:   none (no partition table entry covers it)\n");
		g_autofree char *cmd = mount_command(disk, v);
		printf("  mount with:  %s\n", cmd);
	}
}

static void print_json(const char *disk, const GPtrArray *found)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "disk");
	json_builder_add_string_value(b, disk);
	json_builder_set_member_name(b, "volumes");
	json_builder_begin_array(b);
	for (guint i = 0; i < found->len; i++) {
		const RfsFoundVolume *v = g_ptr_array_index(found, i);
		g_autofree char *cmd = mount_command(disk, v);
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
	if (json)
		print_json(disk, found);
	else
		print_text(disk, found);
	return fflush(stdout) == 0 ? 0 : 4;
}
