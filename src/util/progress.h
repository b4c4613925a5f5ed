/* A one-line progress bar on stderr, drawn only when stderr is a terminal. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct Progress Progress;

typedef enum {
	PROGRESS_COUNT, /* plain numbers: "records" */
	PROGRESS_BYTES, /* sizes in KiB/MiB/GiB and a rate */
} ProgressUnit;

/* `label` and `unit_name` are copied. Returns a progress that draws nothing when stderr is
 * not a terminal (or RESTOREFS_NO_PROGRESS is set). */
Progress *progress_new(const char *label, uint64_t total, ProgressUnit unit, const char *unit_name);
/* Cheap enough to call per item: redraws at most ten times a second. */
void progress_update(Progress *p, uint64_t done);
void progress_set_total(Progress *p, uint64_t total);
/* Clears the line; `p` may be NULL. */
void progress_free(Progress *p);
/* Adapter for RfsProgressFunc: user_data is a Progress. */
void progress_callback(uint64_t done, uint64_t total, void *user_data);
