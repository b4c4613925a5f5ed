/* Mapping pairs -> runs of (VCN, LCN, length). Every field width is checked before its
 * bytes are read, all cluster arithmetic is checked, and a runlist that points outside
 * the volume is refused whole: a half-decoded runlist would hand out wrong clusters. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/runlist.h"

#include <inttypes.h>
#include <stdlib.h>

#include "util/error.h"

#define RUN_MAX_LCN ((uint64_t)INT64_MAX) /* LCNs are signed 64-bit on disk */

/* A little-endian two's-complement integer of `width` (1..8) bytes. *negative tells the
 * sign; the value comes back sign-extended into all 64 bits by masking, not shifting. */
static uint64_t read_signed(const uint8_t *p, unsigned width, bool *negative)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	*negative = (p[width - 1] & 0x80) != 0;
	if (*negative && width < 8)
		v |= ~(uint64_t)0 << (8 * width);
	return v;
}

typedef struct {
	uint64_t vcn;
	uint64_t lcn;             /* running LCN the next offset is relative to */
	uint64_t volume_clusters; /* 0 = no limit */
	size_t at;                /* byte offset of the current pair, for messages */
} Decoder;

static bool apply_offset(Decoder *d, const uint8_t *field, unsigned width, uint64_t length,
			 GError **error)
{
	bool negative;
	uint64_t delta = read_signed(field, width, &negative);
	uint64_t lcn;
	if (negative) {
		uint64_t magnitude = ~delta + 1; /* unsigned negation: defined for every value */
		if (magnitude > d->lcn)
			return rfs_set_corrupt(error, "runlist: pair at byte %zu: LCN %" PRIu64
					       " - %" PRIu64 " is below 0", d->at, d->lcn, magnitude);
		lcn = d->lcn - magnitude;
	} else if (!g_uint64_checked_add(&lcn, d->lcn, delta) || lcn > RUN_MAX_LCN) {
		return rfs_set_corrupt(error, "runlist: pair at byte %zu: LCN %" PRIu64
				       " + %" PRIu64 " wraps", d->at, d->lcn, delta);
	}
	uint64_t end;
	if (!g_uint64_checked_add(&end, lcn, length) ||
	    (d->volume_clusters != 0 && end > d->volume_clusters))
		return rfs_set_corrupt(error, "runlist: pair at byte %zu: clusters %" PRIu64
				       " + %" PRIu64 " reach past the volume (%" PRIu64 " clusters)",
				       d->at, lcn, length, d->volume_clusters);
	d->lcn = lcn;
	return true;
}

/* Decodes the pair at pairs[d->at]; *consumed = its size in bytes. */
static bool decode_pair(ByteSpan pairs, Decoder *d, Run *run, size_t *consumed, GError **error)
{
	uint8_t header = pairs.data[d->at];
	unsigned len_width = header & 0x0F;
	unsigned off_width = header >> 4;
	if (len_width == 0 || len_width > 8 || off_width > 8)
		return rfs_set_corrupt(error, "runlist: pair at byte %zu: header 0x%02x has field"
				       " widths %u/%u (length must be 1..8, offset 0..8)",
				       d->at, header, len_width, off_width);
	if (!span_has(pairs, d->at + 1, (size_t)len_width + off_width))
		return rfs_set_corrupt(error, "runlist: pair at byte %zu: %u field bytes run past"
				       " the end (%zu bytes)", d->at, len_width + off_width, pairs.size);

	const uint8_t *field = pairs.data + d->at + 1;
	bool negative;
	uint64_t length = read_signed(field, len_width, &negative);
	if (negative || length == 0)
		return rfs_set_corrupt(error, "runlist: pair at byte %zu: run length is %s",
				       d->at, negative ? "negative" : "zero");
	uint64_t vcn_end;
	if (!g_uint64_checked_add(&vcn_end, d->vcn, length) || vcn_end > RUN_MAX_LCN)
		return rfs_set_corrupt(error, "runlist: pair at byte %zu: VCN %" PRIu64 " + %" PRIu64
				       " wraps", d->at, d->vcn, length);

	run->vcn = d->vcn;
	run->length_clusters = length;
	if (off_width == 0) {
		run->lcn = RUN_LCN_SPARSE;
	} else {
		if (!apply_offset(d, field + len_width, off_width, length, error))
			return false;
		run->lcn = d->lcn;
	}
	d->vcn = vcn_end;
	*consumed = 1 + (size_t)len_width + off_width;
	return true;
}

bool runlist_decode(ByteSpan pairs, uint64_t first_vcn, uint64_t volume_clusters, Runlist *runs,
		    GError **error)
{
	g_return_val_if_fail(runs != NULL, false);

	size_t old_count = runs->count;
	Decoder d = { .vcn = first_vcn, .lcn = 0, .volume_clusters = volume_clusters, .at = 0 };
	while (d.at < pairs.size && pairs.data[d.at] != 0) {
		Run run;
		size_t consumed = 0;
		if (!decode_pair(pairs, &d, &run, &consumed, error)) {
			runs->count = old_count;
			return false;
		}
		runlist_append(runs, run);
		d.at += consumed;
	}
	return true;
}

void runlist_append(Runlist *runs, Run run)
{
	g_return_if_fail(runs != NULL);

	if (runs->count == runs->capacity) {
		size_t capacity = runs->capacity != 0 ? runs->capacity * 2 : 8;
		runs->runs = g_renew(Run, runs->runs, capacity); /* aborts on size overflow */
		runs->capacity = capacity;
	}
	runs->runs[runs->count++] = run;
}

static int compare_vcn(const void *a, const void *b)
{
	const Run *ra = a, *rb = b;
	return (ra->vcn > rb->vcn) - (ra->vcn < rb->vcn);
}

bool runlist_sort(Runlist *runs, GError **error)
{
	g_return_val_if_fail(runs != NULL, false);

	if (runs->count > 1)
		qsort(runs->runs, runs->count, sizeof *runs->runs, compare_vcn);
	for (size_t i = 0; i + 1 < runs->count; i++) {
		const Run *a = &runs->runs[i], *b = &runs->runs[i + 1];
		if (a->length_clusters > b->vcn - a->vcn) /* b->vcn >= a->vcn after sorting */
			return rfs_set_corrupt(error, "runlist: run at VCN %" PRIu64 " (%" PRIu64
					       " clusters) overlaps the run at VCN %" PRIu64,
					       a->vcn, a->length_clusters, b->vcn);
	}
	return true;
}

/* Index of the first run with run.vcn > vcn (runs are sorted by VCN): runs->count if none. */
static size_t first_run_after(const Runlist *runs, uint64_t vcn)
{
	size_t lo = 0, hi = runs->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (runs->runs[mid].vcn <= vcn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const Run *runlist_lookup(const Runlist *runs, uint64_t vcn)
{
	g_return_val_if_fail(runs != NULL, NULL);

	size_t lo = first_run_after(runs, vcn);
	if (lo == 0)
		return NULL;
	const Run *run = &runs->runs[lo - 1];
	return vcn - run->vcn < run->length_clusters ? run : NULL;
}

uint64_t runlist_next_vcn(const Runlist *runs, uint64_t vcn)
{
	g_return_val_if_fail(runs != NULL, UINT64_MAX);

	size_t lo = first_run_after(runs, vcn);
	return lo < runs->count ? runs->runs[lo].vcn : UINT64_MAX;
}

uint64_t runlist_allocated_clusters(const Runlist *runs)
{
	g_return_val_if_fail(runs != NULL, 0);

	uint64_t total = 0;
	for (size_t i = 0; i < runs->count; i++) {
		if (runs->runs[i].lcn != RUN_LCN_SPARSE &&
		    !g_uint64_checked_add(&total, total, runs->runs[i].length_clusters))
			return UINT64_MAX; /* only a caller-built runlist can get here */
	}
	return total;
}

void runlist_clear(Runlist *runs)
{
	g_return_if_fail(runs != NULL);

	g_free(runs->runs);
	*runs = (Runlist){ 0 };
}
