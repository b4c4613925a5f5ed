/* libFuzzer target: lznt1_decompress into a compression unit (64 KiB) and into a buffer
 * that ends mid-chunk, so both the chunk limit and the output limit get exercised. */
#include <glib.h>

#include "ntfs/lznt1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	static const size_t limits[] = { sizeof out, 5000 };
	for (size_t i = 0; i < G_N_ELEMENTS(limits); i++) {
		size_t got = 0;
		GError *error = NULL;
		if (lznt1_decompress(byte_span(data, size), out, limits[i], &got, &error))
			g_assert(got <= limits[i]);
		else
			g_clear_error(&error);
	}
	return 0;
}
