/* libFuzzer target: USN records. usn_record_parse on the input, then the $J walk over it
 * with range records: every record and name must lie in the buffer, the walk must move on. */
#include <glib.h>

#include "ntfs/usn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ByteSpan in = byte_span(data, size);
	UsnRecord r;
	GError *error = NULL;
	if (usn_record_parse(in, &r, &error)) {
		g_assert(r.length_bytes <= size && r.length_bytes % 8 == 0);
		char *reason = usn_reason_format(r.reason);
		g_free(reason);
	} else {
		g_clear_error(&error);
	}
	UsnIter it;
	usn_iter_init(&it, in, true);
	size_t offset = 0, last_end = 0;
	while (usn_iter_next(&it, &r, &offset)) {
		g_assert(offset % 8 == 0 && offset >= last_end);
		g_assert(r.length_bytes <= size - offset);
		if (r.name != NULL)
			g_assert(r.name >= data + offset &&
				 r.name + r.name_length_bytes <= data + offset + r.length_bytes);
		last_end = offset + r.length_bytes;
	}
	g_assert(it.offset == size || size < 8);
	return 0;
}
