/* A one-line progress bar on stderr, drawn only when stderr is a terminal. The library only
 * reports progress through RfsProgressFunc callbacks; progress_callback() draws them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "restorefs/restorefs.h"

typedef struct Progress Progress;

typedef enum {
	PROGRESS_COUNT, /* plain numbers: "records" */
	PROGRESS_BYTES, /* sizes in KiB/MiB/GiB and a rate */
} ProgressUnit;

/* `label` and `unit_name` are copied. Returns a progress that draws nothing when stderr is
 * not a terminal (or RESTOREFS_NO_PROGRESS is set). */
Progress *progress_new(const char *label, uint64_t total, ProgressUnit unit, const char *unit_name);
/* As progress_new(), but draws on `stream` exactly when `enabled`. */
Progress *progress_new_on(FILE *stream, bool enabled, const char *label, uint64_t total,
			  ProgressUnit unit, const char *unit_name);
/* Cheap enough to call per item: redraws at most ten times a second, and once more when
 * `done` first reaches the total. */
void progress_update(Progress *p, uint64_t done);
void progress_set_total(Progress *p, uint64_t total);
/* The bar as drawn after `elapsed_seconds`, without the carriage return and the erase
 * that surround it: "label [####......]  13% done/total unit, rate unit/s" (g_free). */
char *progress_line(const Progress *p, double elapsed_seconds);
/* Clears the line if anything was drawn; `p` may be NULL. */
void progress_free(Progress *p);
/* Adapter for RfsProgressFunc: user_data is a Progress (or NULL); a non-zero `total`
 * replaces the total. */
void progress_callback(uint64_t done, uint64_t total, void *user_data);

/* The bars of rfs_context_scan(): one per phase (MFT records, swept bytes, shadow copies),
 * switched as rfs_context_scan_phase() changes. */
typedef struct {
	const RfsContext *ctx;
	bool enabled;
	int phase;        /* RfsScanPhase of `bar`; -1 before the first call */
	Progress *bar;
} ScanProgress;

void scan_progress_init(ScanProgress *sp, const RfsContext *ctx, bool enabled);
/* An RfsProgressFunc: user_data is the ScanProgress. */
void scan_progress_callback(uint64_t done, uint64_t total, void *user_data);
void scan_progress_clear(ScanProgress *sp);
