/* The options both front ends take, from the text the command line gave (OptionValues) to
 * settings: the selection, scan flags, how damaged content reads, where the volume is and
 * where its BitLocker secrets come from. One converter, so restorefs-scan and restorefs
 * accept the same values and reject bad ones with the same messages, each naming the option
 * as it was spelled ("--min-recoverable", "-o min_recoverable"). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "common_opts.h"
#include "filters.h"
#include "option_table.h"
#include "restorefs/restorefs.h"

typedef struct {
	Filters filters;             /* --name ... --live (include_live)                          */
	uint32_t scan_flags;         /* RFS_SCAN_INCLUDE_LIVE, RFS_SCAN_DEEP, RFS_SCAN_DEEP_ALL   */
	RfsStreamOptions stream;     /* --overwritten, --unreadable (raw and zero by default)     */
	RfsLocation location;        /* --start-sector ... --partition, --force, --bitlocker      */
	CommonOptsSecretArgs secrets;/* --password-file ... --password-fd (names, not secrets)    */
	bool quiet;
} OptionSettings;

/* Fills `out` (cleared first) from `values`. RFS_ERROR_INVALID names the option and the
 * value; `out` must be cleared with option_settings_clear() either way. */
bool option_settings_resolve(const OptionValues *values, OptionSettings *out,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT;
void option_settings_clear(OptionSettings *settings);
