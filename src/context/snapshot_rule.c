/* The pure rules of shadow copies: folder names and "gone from the live volume". */
#define G_LOG_DOMAIN "restorefs-context"

#include "context/snapshot_rule.h"

#include <glib.h>
#include <string.h>

void snapshot_rule_gmt_name(int64_t filetime, char out[SNAPSHOT_RULE_GMT_SIZE])
{
	/* FILETIME of 1601-01-01 .. 10000-01-01: 100 ns units since 1601. */
	const int64_t unix_epoch = INT64_C(116444736000000000), per_second = 10000000;
	const int64_t year_10000 = INT64_C(2650467744000000000);
	if (filetime <= 0 || filetime >= year_10000) {
		g_strlcpy(out, "@GMT-unknown", SNAPSHOT_RULE_GMT_SIZE);
		return;
	}
	/* Seconds since 1970 (negative before it), floored. */
	int64_t seconds = (filetime - unix_epoch) / per_second;
	if ((filetime - unix_epoch) % per_second < 0)
		seconds--;
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(seconds);
	if (t == NULL) {
		g_strlcpy(out, "@GMT-unknown", SNAPSHOT_RULE_GMT_SIZE);
		return;
	}
	g_snprintf(out, SNAPSHOT_RULE_GMT_SIZE, "@GMT-%04d.%02d.%02d-%02d.%02d.%02d",
		   g_date_time_get_year(t), g_date_time_get_month(t), g_date_time_get_day_of_month(t),
		   g_date_time_get_hour(t), g_date_time_get_minute(t), g_date_time_get_second(t));
}

bool snapshot_rule_is_store_file(const char *file_name)
{
	static const char suffix[] = "}{3808876b-c176-4e48-b7ae-04046e6cc752}";
	size_t len = file_name != NULL ? strlen(file_name) : 0, want = sizeof suffix - 1;
	return len > want && file_name[0] == '{' && g_ascii_strcasecmp(file_name + len - want, suffix) == 0;
}

bool snapshot_rule_gone_from_live(const SnapshotRecordFacts *snap, const SnapshotRecordFacts *live,
				  bool live_as_good)
{
	if (!live->present || !snap->present)
		return true;
	if (live->in_use != snap->in_use || live->sequence != snap->sequence || live->is_dir != snap->is_dir)
		return true;
	if (live->has_stream != snap->has_stream || live->size_bytes != snap->size_bytes ||
	    live->last_write != snap->last_write)
		return true;
	/* The same record, the same state, the same stream: the live tree has it already,
	 * unless both are deleted and only the copy still has its clusters. */
	return !snap->in_use && !live_as_good;
}
