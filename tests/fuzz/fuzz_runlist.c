/* libFuzzer target: runlist_decode, then sort and lookups over whatever decoded. The first
 * byte picks a volume size, so both limited and unlimited decoding get exercised. */
#include <glib.h>

#include "ntfs/runlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint64_t volume = data[0] & 1 ? (uint64_t)data[0] << 12 : 0;
	Runlist runs = { 0 };
	GError *error = NULL;
	if (runlist_decode(byte_span(data + 1, size - 1), data[0], volume, &runs, &error)) {
		g_assert(runlist_sort(&runs, NULL));
		for (size_t i = 0; i < runs.count; i++)
			g_assert(runlist_lookup(&runs, runs.runs[i].vcn) == &runs.runs[i]);
		(void)runlist_allocated_clusters(&runs);
	} else {
		g_clear_error(&error);
	}
	runlist_clear(&runs);
	return 0;
}
