/* Supplies BitLocker credentials to a context that needs them, before the scan. */
#pragma once

#include "fuse/mount_options.h"

/* Does nothing (true) for an unencrypted volume. Otherwise uses the first credential the
 * options name, or asks on the terminal; false with `error` set when none unlocks it. */
bool unlock_volume(RfsContext *ctx, const MountOptions *opts, GError **error) G_GNUC_WARN_UNUSED_RESULT;
