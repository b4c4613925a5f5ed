/* Which deleted stream wrote a cluster last, where several claim it. Extents are sorted by
 * LCN and swept once with a heap of the extents open at each point, so a range claimed by
 * k streams costs O(k) and the whole pass O(n log n); it never reads the volume itself, and
 * it decides nothing the evidence does not show (README.md, "Decisions"). */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/cluster_claims.h"

#include <inttypes.h>
#include <stdlib.h>

enum {
	WORK_PER_EXTENT = 64,     /* claimant visits per extent before the sweep gives up judging */
	WORK_MIN = 1u << 20,
};

typedef struct {
	RfsEntryInfo *info;
	uint64_t lsn;
	uint64_t lo, hi;          /* when its data was written, FILETIME; unknown: [0, UINT64_MAX] */
	uint64_t superseded;
	uint64_t contested;
} Claimant;

typedef struct {
	uint64_t lcn;
	uint64_t end;             /* exclusive, <= the volume's clusters */
	uint32_t claimant;
} Extent;

struct ClusterClaims {
	uint64_t volume_clusters;
	GArray *claimants;        /* Claimant */
	GArray *extents;          /* Extent */
	bool warned_full;
};

/* An extent open at the sweep's position; the heap is ordered by `end`. */
typedef struct {
	uint64_t end;
	uint32_t claimant;
	uint64_t mark;            /* while giving up: the contested total when it opened */
} Open;

typedef struct {
	Claimant *claimants;
	GArray *heap;             /* Open, a min-heap on end */
	ClusterClaimsInUseFunc in_use;
	void *user_data;
	uint64_t work_left;       /* claimant visits left before every overlap counts as contested */
	bool gave_up;
	uint64_t given_up_total;  /* free clusters of overlaps since the sweep gave up */
} Sweep;

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

ClusterClaims *cluster_claims_new(uint64_t volume_clusters)
{
	ClusterClaims *claims = g_new0(ClusterClaims, 1);
	claims->volume_clusters = volume_clusters;
	claims->claimants = g_array_new(FALSE, TRUE, sizeof(Claimant));
	claims->extents = g_array_new(FALSE, FALSE, sizeof(Extent));
	return claims;
}

void cluster_claims_free(ClusterClaims *claims)
{
	if (claims == NULL)
		return;
	g_array_unref(claims->claimants);
	g_array_unref(claims->extents);
	g_free(claims);
}

uint32_t cluster_claims_add_stream(ClusterClaims *claims, RfsEntryInfo *info, uint64_t lsn)
{
	g_return_val_if_fail(claims->claimants->len < UINT32_MAX, 0);
	Claimant c = { .info = info, .lsn = lsn };
	g_array_append_val(claims->claimants, c);
	return claims->claimants->len - 1;
}

bool cluster_claims_add_extent(ClusterClaims *claims, uint32_t claimant, uint64_t lcn,
			       uint64_t length_clusters)
{
	g_return_val_if_fail(claimant < claims->claimants->len, false);
	if (claims->extents->len >= CLUSTER_CLAIMS_MAX_EXTENTS) {
		if (!claims->warned_full)
			g_warning("more than %zu extents of deleted files: the rest are not compared, so "
				  "files there may be listed intact although another deleted file reused "
				  "their clusters", CLUSTER_CLAIMS_MAX_EXTENTS);
		claims->warned_full = true;
		return false;
	}
	if (lcn >= claims->volume_clusters || length_clusters == 0)
		return true; /* nothing on the volume: nobody's data to compare */
	Extent e = { .lcn = lcn, .claimant = claimant,
		     .end = lcn + MIN(length_clusters, claims->volume_clusters - lcn) };
	g_array_append_val(claims->extents, e);
	return true;
}

/* [lo, hi] holds every write of the stream's data: from the earliest to the latest of its
 * creation, modification and record-change times ($STANDARD_INFORMATION and $FILE_NAME;
 * a copy keeps a modification time older than its creation). A time of 0 or past `horizon`
 * cannot be trusted, and then nothing is known. */
static void claimant_times(Claimant *c, int64_t horizon)
{
	const RfsTimes *sets[2] = { &c->info->times, &c->info->fn_times };
	uint64_t lo = UINT64_MAX, hi = 0;
	bool any = false;
	for (size_t s = 0; s < G_N_ELEMENTS(sets); s++) {
		int64_t t[3] = { sets[s]->creation, sets[s]->last_write, sets[s]->mft_change };
		if (t[0] == 0 && t[1] == 0 && t[2] == 0)
			continue; /* the attribute is absent */
		for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
			if (t[i] <= 0 || t[i] > horizon) {
				c->lo = 0, c->hi = UINT64_MAX;
				return;
			}
			lo = MIN(lo, (uint64_t)t[i]);
			hi = MAX(hi, (uint64_t)t[i]);
		}
		any = true;
	}
	c->lo = any ? lo : 0;
	c->hi = any ? hi : UINT64_MAX;
}

static int extent_cmp(const void *pa, const void *pb)
{
	const Extent *a = pa, *b = pb;
	if (a->lcn != b->lcn)
		return a->lcn < b->lcn ? -1 : 1;
	if (a->claimant != b->claimant)
		return a->claimant < b->claimant ? -1 : 1;
	return a->end < b->end ? -1 : a->end > b->end;
}

static Open *heap_at(const Sweep *sw, guint i)
{
	return &g_array_index(sw->heap, Open, i);
}

static void heap_swap(Sweep *sw, guint i, guint j)
{
	Open t = *heap_at(sw, i);
	*heap_at(sw, i) = *heap_at(sw, j);
	*heap_at(sw, j) = t;
}

static void heap_push(Sweep *sw, Open o)
{
	g_array_append_val(sw->heap, o);
	for (guint i = sw->heap->len - 1; i > 0 && heap_at(sw, (i - 1) / 2)->end > heap_at(sw, i)->end;
	     i = (i - 1) / 2)
		heap_swap(sw, i, (i - 1) / 2);
}

static Open heap_pop(Sweep *sw)
{
	Open top = *heap_at(sw, 0);
	guint n = sw->heap->len - 1;
	*heap_at(sw, 0) = *heap_at(sw, n);
	g_array_set_size(sw->heap, n);
	for (guint i = 0;;) {
		guint l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && heap_at(sw, l)->end < heap_at(sw, m)->end)
			m = l;
		if (r < n && heap_at(sw, r)->end < heap_at(sw, m)->end)
			m = r;
		if (m == i)
			break;
		heap_swap(sw, i, m);
		i = m;
	}
	return top;
}

/* The write interval of a claimant on the clock the range is judged by: the record's LSN
 * when every claimant has one, else its times. */
static void interval_of(const Claimant *c, bool by_lsn, uint64_t *lo, uint64_t *hi)
{
	*lo = by_lsn ? c->lsn : c->lo;
	*hi = by_lsn ? c->lsn : c->hi;
}

/* One range and the streams claiming it (two or more). A claimant whose writes all come
 * before another claimant's first is superseded there; one that comes after every other is
 * the owner; the rest cannot be ordered and contest the range. */
static void judge(Sweep *sw, uint64_t free_clusters)
{
	guint k = sw->heap->len;
	bool by_lsn = true;
	for (guint j = 0; j < k; j++)
		by_lsn &= sw->claimants[heap_at(sw, j)->claimant].lsn != 0;
	uint64_t lo1 = 0, lo2 = 0, hi1 = 0, hi2 = 0, lo, hi;
	guint lo1_at = 0, hi1_at = 0;
	for (guint j = 0; j < k; j++) {
		interval_of(&sw->claimants[heap_at(sw, j)->claimant], by_lsn, &lo, &hi);
		if (lo > lo1)
			lo2 = lo1, lo1 = lo, lo1_at = j;
		else if (lo > lo2)
			lo2 = lo;
		if (hi > hi1)
			hi2 = hi1, hi1 = hi, hi1_at = j;
		else if (hi > hi2)
			hi2 = hi;
	}
	interval_of(&sw->claimants[heap_at(sw, lo1_at)->claimant], by_lsn, &lo, &hi);
	bool owned = lo > (hi1_at == lo1_at ? hi2 : hi1);
	for (guint j = 0; j < k; j++) {
		if (owned && j == lo1_at)
			continue;
		Claimant *c = &sw->claimants[heap_at(sw, j)->claimant];
		interval_of(c, by_lsn, &lo, &hi);
		if (hi < (j == lo1_at ? lo2 : lo1))
			c->superseded = sat_add(c->superseded, free_clusters);
		else
			c->contested = sat_add(c->contested, free_clusters);
	}
}

/* The range [lcn, end) is claimed by every open extent, two or more of them. */
static void sweep_range(Sweep *sw, uint64_t lcn, uint64_t end)
{
	uint64_t length = end - lcn;
	uint64_t busy = sw->in_use(lcn, length, sw->user_data);
	uint64_t free_clusters = length - MIN(busy, length);
	if (free_clusters == 0)
		return; /* in use now: that count takes precedence */
	if (!sw->gave_up && sw->heap->len > sw->work_left) {
		g_warning("clusters from LCN %" PRIu64 " are claimed by too many deleted files at once "
			  "to compare them: every claimant of an overlap there counts it as contested", lcn);
		sw->gave_up = true; /* every open extent's mark is 0, the total so far */
	}
	if (sw->gave_up) {
		sw->given_up_total = sat_add(sw->given_up_total, free_clusters);
		return;
	}
	sw->work_left -= sw->heap->len;
	judge(sw, free_clusters);
}

static void sweep_close(Sweep *sw)
{
	Open o = heap_pop(sw);
	if (sw->gave_up) {
		Claimant *c = &sw->claimants[o.claimant];
		c->contested = sat_add(c->contested, sw->given_up_total - o.mark);
	}
}

static void sweep(Sweep *sw, const Extent *ext, size_t n)
{
	size_t i = 0;
	uint64_t at = 0;
	while (i < n || sw->heap->len > 0) {
		if (sw->heap->len == 0)
			at = ext[i].lcn;
		for (; i < n && ext[i].lcn == at; i++)
			heap_push(sw, (Open){ ext[i].end, ext[i].claimant, sw->given_up_total });
		uint64_t next = heap_at(sw, 0)->end;
		if (i < n && ext[i].lcn < next)
			next = ext[i].lcn;
		if (sw->heap->len >= 2)
			sweep_range(sw, at, next);
		at = next;
		while (sw->heap->len > 0 && heap_at(sw, 0)->end == at)
			sweep_close(sw);
	}
}

/* The counts stay disjoint from clusters_in_use and within the stream's clusters even
 * where a forged runlist maps one cluster twice. */
static bool claimant_settle(Claimant *c)
{
	RfsEntryInfo *info = c->info;
	uint32_t left = info->clusters - MIN(info->clusters_in_use, info->clusters);
	info->clusters_superseded = (uint32_t)MIN(c->superseded, (uint64_t)left);
	info->clusters_contested = (uint32_t)MIN(c->contested, (uint64_t)(left - info->clusters_superseded));
	return info->clusters_superseded > 0 || info->clusters_contested > 0;
}

uint64_t cluster_claims_resolve(ClusterClaims *claims, int64_t horizon,
				ClusterClaimsInUseFunc in_use, void *user_data)
{
	Claimant *cl = (Claimant *)(void *)claims->claimants->data;
	for (guint i = 0; i < claims->claimants->len; i++) {
		claimant_times(&cl[i], horizon);
		cl[i].superseded = cl[i].contested = 0;
	}
	Extent *ext = (Extent *)(void *)claims->extents->data;
	size_t n = claims->extents->len;
	if (n > 0)
		qsort(ext, n, sizeof *ext, extent_cmp);
	Sweep sw = {
		.claimants = cl,
		.heap = g_array_new(FALSE, FALSE, sizeof(Open)),
		.in_use = in_use,
		.user_data = user_data,
		.work_left = sat_add(WORK_MIN, (uint64_t)n * WORK_PER_EXTENT),
	};
	sweep(&sw, ext, n);
	g_array_unref(sw.heap);
	uint64_t touched = 0;
	for (guint i = 0; i < claims->claimants->len; i++)
		touched += claimant_settle(&cl[i]);
	return touched;
}
