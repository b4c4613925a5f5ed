/* Opening SOURCE the way its user meant: a whole disk given where a volume was expected gets
 * its one NTFS or BitLocker partition, or a message that lists them with the command to type;
 * a file that cannot be a volume, a device the user may not read, and secrets for a volume
 * that needs none each get a message of their own. Both front ends open SOURCE through it. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "restorefs/restorefs.h"
#include "restorefs/volumes.h"

typedef struct {
	const char *program;     /* "restorefs" or "restorefs-scan": the commands it suggests */
	const char *args_after;  /* what follows SOURCE in them: " MOUNTPOINT" or ""       */
} SourceGuide;

/* rfs_context_create() on `source` at `*location`, with its hints (common_opts_location_hint).
 * When that fails because SOURCE is not a volume and `*location` names no place on a disk,
 * reads SOURCE as a disk: if its partition table has exactly one NTFS or BitLocker
 * partition, opens that one, sets location->partition and prints one line on stderr; else
 * the error names the table, its NTFS and BitLocker partitions (number, start, size, label)
 * and the command to type next. NULL with `error` set on failure. */
RfsContext *source_guide_open(const SourceGuide *guide, const char *source, RfsLocation *location,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Warns (one line, g_warning) when secrets were given for a volume that needs none. */
void source_guide_check_secrets(const char *source, const RfsContext *ctx, bool secrets_given);

/* "an MBR partition table", "a GPT partition table", "no partition table". */
const char *source_guide_table_words(RfsTableKind kind);
/* Appends "NTFS at sector 2048, 64.0 MiB, label "DATA"" (the label escaped as names are). */
void source_guide_describe_volume(GString *out, const RfsFoundVolume *v);
/* A shell word for `path`: as it is, or quoted when the shell would split or expand it. */
char *source_guide_shell_word(const char *path);
