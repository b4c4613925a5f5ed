/* Options both front ends share: sizes with suffixes, the overwritten policy, where the
 * volume lies on SOURCE, and BitLocker secrets read from a file, a descriptor or the
 * terminal without echo.
 *
 * Nothing here keeps global state or knows which program parses the command line: the
 * argument structs are plain strings (filled from the option table's values by
 * option_settings.c), and every function reports through GError (domain RFS_ERROR). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "restorefs/restorefs.h"

/* Parses "4096", "64K", "1.5M", "2G", "1T" (suffixes are powers of 1024, case-insensitive,
 * an optional trailing "B"/"iB" is accepted). Fails with RFS_ERROR_INVALID on garbage, a
 * negative value or overflow. */
bool common_opts_parse_size(const char *text, uint64_t *out_bytes, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* A plain unsigned decimal (or 0x hex) number; RFS_ERROR_INVALID otherwise. */
bool common_opts_parse_u64(const char *text, uint64_t *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* A percentage 0..100 in decimal, with or without a trailing '%' ("50", "50%").
 * RFS_ERROR_INVALID ("'x' is not a percentage (0-100)") otherwise. */
bool common_opts_parse_percent(const char *text, unsigned *out, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "raw", "zero" or "eio" (for rfs_stream_open()); RFS_ERROR_INVALID otherwise. */
/* "on" or "off": whether the scan reads the volume's shadow copies (-o snapshots=,
 * --snapshots=). */
bool common_opts_parse_snapshots(const char *text, bool *on, GError **error) G_GNUC_WARN_UNUSED_RESULT;
bool common_opts_parse_overwritten(const char *text, RfsOverwritePolicy *out,
				   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- where the volume lies ---------------------------------------------------------------- */

/* Every field is NULL when the option was not given; the strings are the option values
 * (g_free'd by common_opts_location_args_clear()). */
typedef struct {
	char *start_sector; /* --start-sector N                 */
	char *boot_sector;  /* --boot-sector M (needs N or offset) */
	char *sector_size;  /* --sector-size BYTES              */
	char *offset;       /* --offset BYTES (size suffixes ok) */
	char *partition;    /* --partition K (1-based)          */
	gboolean force;     /* --force                          */
	char *bitlocker;    /* --bitlocker native|libbde        */
} CommonOptsLocationArgs;

/* Checks the combination and fills `out` (zeroed first). RFS_ERROR_INVALID names the
 * offending option. */
bool common_opts_location_resolve(const CommonOptsLocationArgs *args, RfsLocation *out,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT;
void common_opts_location_args_clear(CommonOptsLocationArgs *args);
/* Completes the message of an rfs_context_create() failure on `location` with what the
 * options can do about it: --force for a source in use or shorter than its volume, the other
 * boot sector copy (--boot-sector, restorefs-scan --find-volumes) when the one `location`
 * names is unusable. Leaves other errors, and a NULL `error`, as they are. */
void common_opts_location_hint(GError *error, const RfsLocation *location);

/* ---- BitLocker secrets -------------------------------------------------------------------- */

typedef struct {
	char *password_file;          /* --password-file FILE: the user password, one line   */
	char *recovery_password_file; /* --recovery-password-file FILE: 48 digits            */
	char *startup_key;            /* --startup-key FILE.BEK                               */
	char *key_file;               /* --key-file FILE: the FVEK, raw bytes or hex text     */
	int password_fd;              /* --password-fd N: the user password; -1 = not given   */
} CommonOptsSecretArgs;

#define COMMON_OPTS_SECRET_ARGS_INIT { NULL, NULL, NULL, NULL, -1 }

void common_opts_secret_args_clear(CommonOptsSecretArgs *args);
/* True when any secret source was named. */
bool common_opts_secret_given(const CommonOptsSecretArgs *args);

/* Checks a recovery password: 8 groups of 6 digits (dashes and blanks optional), each group
 * a multiple of 11 below 720896. On success writes the canonical dashed form (55 bytes + NUL)
 * to `out`. RFS_ERROR_INVALID says which group is wrong. */
bool common_opts_check_recovery_password(const char *text, size_t length, char out[56],
					 GError **error) G_GNUC_WARN_UNUSED_RESULT;

enum { COMMON_OPTS_PROMPT_TRIES = 3 };

/* Unlocks `ctx` when rfs_context_needs_decryption() says so, from the first secret named in
 * `args`; with none named and `may_prompt` true and stdin a terminal, asks for the password
 * on the terminal without echo (the prompt names `source`), up to COMMON_OPTS_PROMPT_TRIES
 * times while the key is wrong; a valid recovery password typed there is tried as one. Every copy of a secret is wiped
 * before returning. Does nothing and returns true for an unencrypted volume. RFS_ERROR_LOCKED
 * when no secret is available or the library rejects it. */
bool common_opts_unlock(RfsContext *ctx, const char *source, const CommonOptsSecretArgs *args,
			bool may_prompt, GError **error) G_GNUC_WARN_UNUSED_RESULT;
