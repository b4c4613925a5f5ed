/* Runlists: NTFS mapping pairs decoded into (VCN, LCN, length) runs. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/bytes.h"

#define RUN_LCN_SPARSE UINT64_MAX /* a hole: reads as zeros */

typedef struct {
	uint64_t vcn;             /* first virtual cluster of the run */
	uint64_t lcn;             /* first logical cluster, or RUN_LCN_SPARSE */
	uint64_t length_clusters; /* > 0 */
} Run;

typedef struct {
	Run *runs;       /* sorted by vcn, non-overlapping */
	size_t count;
	size_t capacity;
} Runlist;

/* Decodes mapping pairs starting at first_vcn and appends the runs to `runs`. Stops at the
 * 0x00 terminator or the end of the span. Rejects (RFS_ERROR_CORRUPT, runs left as they
 * were): a header with a length or offset field wider than 8 bytes, or a zero length
 * field; fields running past the span; a zero or negative run length; VCN or LCN
 * arithmetic that wraps; an LCN below 0; a run that reaches past `volume_clusters`
 * (0 = no limit). A zero-width offset field makes a sparse run. */
bool runlist_decode(ByteSpan pairs, uint64_t first_vcn, uint64_t volume_clusters, Runlist *runs,
		    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Adds one run (merging nothing); keeps vcn order by the caller's contract. */
void runlist_append(Runlist *runs, Run run);
/* Sorts by vcn; fails if two runs overlap. */
bool runlist_sort(Runlist *runs, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The run that holds `vcn`, or NULL (a gap: the extent is not known). O(log n). */
const Run *runlist_lookup(const Runlist *runs, uint64_t vcn);
/* The first VCN after `vcn` where a run starts, or UINT64_MAX: where a gap at `vcn` ends. */
uint64_t runlist_next_vcn(const Runlist *runs, uint64_t vcn);
/* Clusters of the runlist that are not sparse. */
uint64_t runlist_allocated_clusters(const Runlist *runs);
void runlist_clear(Runlist *runs);

/* Bytes from byte `offset` to the end of `run` (which holds offset / cluster_size),
 * saturating instead of wrapping: runs may be forged to any length. Never 0. */
static inline uint64_t run_bytes_left(const Run *run, uint64_t offset, uint32_t cluster_size)
{
	uint64_t clusters = run->vcn + run->length_clusters - offset / cluster_size;
	uint64_t bytes;
	if (!g_uint64_checked_mul(&bytes, clusters, cluster_size))
		return UINT64_MAX;
	return bytes - offset % cluster_size;
}
