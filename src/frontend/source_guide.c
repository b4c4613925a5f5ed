/* What SOURCE is when it does not open as a volume, and the next command to type. Reads
 * SOURCE only through the public API (rfs_disk_partition_table(), rfs_find_volumes() on the
 * table's entries alone, a few reads); it never guesses a volume that no partition table
 * names: lost volumes are restorefs-scan --find-volumes' business. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "source_guide.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common_opts.h"
#include "entry_text.h"

enum { SOURCE_GUIDE_MIN_VOLUME_BYTES = 1024 * 1024 }; /* no NTFS volume is smaller */

const char *source_guide_table_words(RfsTableKind kind)
{
	switch (kind) {
	case RFS_TABLE_MBR:
		return "an MBR partition table";
	case RFS_TABLE_GPT:
		return "a GPT partition table";
	case RFS_TABLE_NONE:
		break;
	}
	return "no partition table";
}

void source_guide_describe_volume(GString *out, const RfsFoundVolume *v)
{
	char size[ENTRY_TEXT_SIZE_SIZE] = "size unknown";
	if (v->size_bytes > 0)
		entry_text_size(v->size_bytes, size);
	g_string_append_printf(out, "%s at sector %" PRIu64 ", %s",
			       v->kind == RFS_VOLUME_BITLOCKER ? "BitLocker" : "NTFS", v->start_sector, size);
	if (v->label != NULL && v->label[0] != '\0') {
		g_string_append(out, ", label \"");
		entry_text_escape(out, v->label); /* read from disk */
		g_string_append_c(out, '"');
	}
}

char *source_guide_shell_word(const char *path)
{
	bool plain = path[0] != '\0' && path[strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						       "0123456789/._+:@%,=-")] == '\0';
	return plain ? g_strdup(path) : g_shell_quote(path);
}

static bool location_is_whole(const RfsLocation *loc)
{
	return loc->partition == 0 && !(loc->flags & RFS_CONTEXT_DISK);
}

/* A partition worth opening: a BitLocker header, or NTFS whose $MFT reads. */
static bool usable_partition(const RfsFoundVolume *v)
{
	return v->partition != 0 && (v->kind == RFS_VOLUME_BITLOCKER || v->mft_ok);
}

static void replace_message(GError *error, char *message)
{
	g_free(error->message);
	error->message = message;
}

/* A regular file too small for any NTFS volume, and holding no partition table. */
static bool too_small_for_a_volume(const char *source, uint64_t *size_bytes)
{
	struct stat st;
	if (stat(source, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= SOURCE_GUIDE_MIN_VOLUME_BYTES)
		return false;
	*size_bytes = (uint64_t)st.st_size;
	return true;
}

static void explain_no_table(const char *source, GError *error)
{
	g_autofree char *word = source_guide_shell_word(source);
	uint64_t size = 0;
	if (too_small_for_a_volume(source, &size)) {
		replace_message(error, g_strdup_printf("%s: not an NTFS volume or disk image (%" PRIu64 " %s)",
						       source, size, entry_text_plural(size, "byte", "bytes")));
		return;
	}
	char *message = g_strdup_printf("%s; no partition table either. If %s is a disk whose table was wiped, "
					"look for its volumes with: restorefs-scan --find-volumes %s",
					error->message, source, word);
	replace_message(error, message);
}

/* SOURCE has a partition table: open its one NTFS or BitLocker partition, or say which to
 * choose. `error` holds the failure of the whole-source open and is rewritten. */
static RfsContext *open_from_table(const SourceGuide *guide, const char *source, RfsLocation *location,
				   RfsTableKind kind, GError **error)
{
	g_autoptr(GError) find_error = NULL;
	g_autoptr(GPtrArray) found = rfs_find_volumes(source, location->sector_size, RFS_FIND_TABLE,
						      NULL, NULL, &find_error);
	if (found == NULL)
		return NULL; /* the first error stands */
	g_autoptr(GPtrArray) parts = g_ptr_array_new();
	for (guint i = 0; i < found->len; i++)
		if (usable_partition(g_ptr_array_index(found, i)))
			g_ptr_array_add(parts, g_ptr_array_index(found, i));
	g_autofree char *word = source_guide_shell_word(source);
	g_autoptr(GString) text = g_string_new(NULL);
	if (parts->len == 1) {
		const RfsFoundVolume *v = g_ptr_array_index(parts, 0);
		RfsLocation chosen = *location;
		chosen.partition = v->partition;
		g_autoptr(GError) part_error = NULL;
		RfsContext *ctx = rfs_context_create(source, &chosen, RESTOREFS_API_VERSION, &part_error);
		if (ctx == NULL) {
			g_clear_error(error);
			g_propagate_prefixed_error(error, g_steal_pointer(&part_error), "%s: partition %" PRIu32 ": ",
						   source, v->partition);
			return NULL;
		}
		source_guide_describe_volume(text, v);
		fprintf(stderr, "%s: %s holds %s; using partition %" PRIu32 " (%s), its only NTFS or BitLocker partition\n",
			guide->program, source, source_guide_table_words(kind), v->partition, text->str);
		*location = chosen;
		return ctx;
	}
	if (parts->len == 0) {
		g_string_printf(text, "%s is a whole disk with %s, and none of its partitions is NTFS or BitLocker. "
				"Look for volumes outside the table with: restorefs-scan --find-volumes %s",
				source, source_guide_table_words(kind), word);
	} else {
		g_string_printf(text, "%s is a whole disk with %s, not an NTFS volume. Its NTFS and BitLocker partitions:\n",
				source, source_guide_table_words(kind));
		for (guint i = 0; i < parts->len; i++) {
			const RfsFoundVolume *v = g_ptr_array_index(parts, i);
			g_string_append_printf(text, "  partition %" PRIu32 ": ", v->partition);
			source_guide_describe_volume(text, v);
			g_string_append_c(text, '\n');
		}
		const RfsFoundVolume *first = g_ptr_array_index(parts, 0);
		g_string_append_printf(text, "Choose one with --partition, e.g.: %s --partition %" PRIu32 " %s%s",
				       guide->program, first->partition, word, guide->args_after);
	}
	replace_message(*error, g_string_free(g_steal_pointer(&text), FALSE));
	return NULL;
}

/* Permission denied on a block device: what a user without root can do about it. */
static void explain_permission(const char *source, GError *error)
{
	struct stat st;
	if (stat(source, &st) != 0 || !S_ISBLK(st.st_mode) || strstr(error->message, g_strerror(EACCES)) == NULL)
		return;
	g_autofree char *word = source_guide_shell_word(source);
	const struct group *group = getgrgid(st.st_gid);
	g_autofree char *group_name = group != NULL ? g_strdup(group->gr_name) : g_strdup_printf("%u", (unsigned)st.st_gid);
	replace_message(error, g_strdup_printf("%s. Run it as root (sudo), join the group '%s' that owns %s "
					       "(then log in again), or work from an image: sudo dd if=%s of=disk.img bs=4M",
					       error->message, group_name, source, word));
}

RfsContext *source_guide_open(const SourceGuide *guide, const char *source, RfsLocation *location,
			      GError **error)
{
	g_autoptr(GError) open_error = NULL;
	RfsContext *ctx = rfs_context_create(source, location, RESTOREFS_API_VERSION, &open_error);
	if (ctx != NULL)
		return ctx;
	explain_permission(source, open_error);
	bool not_a_volume = open_error->domain == RFS_ERROR &&
			    (open_error->code == RFS_ERROR_INVALID || open_error->code == RFS_ERROR_CORRUPT ||
			     open_error->code == RFS_ERROR_IO);
	if (!location_is_whole(location) || !not_a_volume || strstr(open_error->message, g_strerror(EACCES)) != NULL) {
		common_opts_location_hint(open_error, location);
		if (location->partition != 0 && g_error_matches(open_error, RFS_ERROR, RFS_ERROR_NOT_FOUND)) {
			g_autofree char *word = source_guide_shell_word(source);
			char *message = g_strdup_printf("%s: %s; look for the volume with: restorefs-scan --find-volumes %s",
							source, open_error->message, word);
			replace_message(open_error, message);
		}
		g_propagate_error(error, g_steal_pointer(&open_error));
		return NULL;
	}
	RfsTableKind kind = RFS_TABLE_NONE;
	if (!rfs_disk_partition_table(source, location->sector_size, &kind, NULL, NULL))
		kind = RFS_TABLE_NONE;
	if (kind == RFS_TABLE_NONE) {
		explain_no_table(source, open_error);
		g_propagate_error(error, g_steal_pointer(&open_error));
		return NULL;
	}
	g_propagate_error(error, g_steal_pointer(&open_error));
	return open_from_table(guide, source, location, kind, error);
}

void source_guide_check_secrets(const char *source, const RfsContext *ctx, bool secrets_given)
{
	if (secrets_given && rfs_context_encryption(ctx) == NULL)
		g_warning("%s is not BitLocker-encrypted: the key options are ignored", source);
}
