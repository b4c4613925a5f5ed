/* What can be given back of an entry's data: its state and recoverable share, from the
 * cluster counts the scan recorded (public API, restorefs.h). */
#include "restorefs/restorefs.h"

G_STATIC_ASSERT(G_N_ELEMENTS(((RfsScanStats *)NULL)->by_state) == RFS_STATE_COUNT);

/* Clusters whose content is not this entry's, or may not be: the three counts are
 * disjoint, and saturate on forged values. */
static uint64_t entry_lost_clusters(const RfsEntryInfo *info)
{
	uint64_t lost;
	if (!g_uint64_checked_add(&lost, info->clusters_in_use, info->clusters_superseded) ||
	    !g_uint64_checked_add(&lost, lost, info->clusters_contested))
		return UINT64_MAX;
	return lost;
}

RfsEntryState rfs_entry_state(const RfsEntryInfo *info)
{
	if (info->flags & RFS_ENTRY_DIRECTORY)
		return RFS_STATE_INTACT;
	if (info->flags & RFS_ENTRY_GHOST)
		return RFS_STATE_INCOMPLETE; /* its whole location went with its record */
	uint64_t overwritten;
	if (!g_uint64_checked_add(&overwritten, info->clusters_in_use, info->clusters_superseded))
		overwritten = UINT64_MAX;
	if (info->clusters > 0 && overwritten >= info->clusters)
		return RFS_STATE_OVERWRITTEN;
	if ((info->flags & RFS_ENTRY_INCOMPLETE) || info->clusters_missing > 0)
		return RFS_STATE_INCOMPLETE;
	if (overwritten > 0)
		return RFS_STATE_PARTLY_OVERWRITTEN;
	if (info->clusters_contested > 0)
		return RFS_STATE_CONTESTED;
	return RFS_STATE_INTACT;
}

const char *rfs_entry_state_name(RfsEntryState state)
{
	static const char *const names[RFS_STATE_COUNT] = {
		[RFS_STATE_INTACT] = "intact",
		[RFS_STATE_PARTLY_OVERWRITTEN] = "partly-overwritten",
		[RFS_STATE_OVERWRITTEN] = "overwritten",
		[RFS_STATE_INCOMPLETE] = "incomplete",
		[RFS_STATE_CONTESTED] = "contested",
	};
	return (unsigned)state < RFS_STATE_COUNT ? names[state] : "unknown";
}

unsigned rfs_entry_recoverable_percent(const RfsEntryInfo *info)
{
	if (info->flags & RFS_ENTRY_GHOST)
		return 0;
	uint64_t total;
	if (!g_uint64_checked_add(&total, info->clusters, info->clusters_missing))
		total = UINT64_MAX;
	if (total == 0)
		return (info->flags & RFS_ENTRY_INCOMPLETE) && info->size_bytes > 0 ? 0 : 100;
	uint64_t good = info->clusters - MIN(entry_lost_clusters(info), info->clusters);
	/* good <= total; scale forged, enormous counts down so that good * 100 cannot wrap */
	uint64_t g = good, t = total;
	while (t > UINT64_MAX / 100) {
		g >>= 1;
		t >>= 1;
	}
	unsigned pct = (unsigned)(g * 100 / t);
	bool whole = good == total && !(info->flags & RFS_ENTRY_INCOMPLETE);
	return pct >= 100 && !whole ? 99 : pct; /* 100 only when every cluster is known and free */
}

const char *rfs_path_source_name(RfsPathSource source)
{
	static const char *const names[RFS_PATH_SOURCE_COUNT] = {
		[RFS_PATH_SOURCE_MFT] = "mft",
		[RFS_PATH_SOURCE_INDEX] = "index",
		[RFS_PATH_SOURCE_INDEX_SLACK] = "index-slack",
		[RFS_PATH_SOURCE_CARVED_INDEX] = "carved-index",
		[RFS_PATH_SOURCE_USN] = "usn",
		[RFS_PATH_SOURCE_CARVED] = "carved",
		[RFS_PATH_SOURCE_SNAPSHOT] = "snapshot",
	};
	return (unsigned)source < RFS_PATH_SOURCE_COUNT ? names[source] : "unknown";
}
