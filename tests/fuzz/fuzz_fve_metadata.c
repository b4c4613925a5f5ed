/* libFuzzer target: the BitLocker volume header, FVE metadata block header and block
 * parsers on arbitrary bytes, the refusal text built from what they decode, and the
 * recovery password checks. */
#include <glib.h>
#include <string.h>

#include "device/fve_metadata.h"
#include "device/recovery_password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ByteSpan all = byte_span(data, size);
	FveMetadataHeader header;
	if (fve_metadata_header_parse(all, &header, NULL))
		g_assert(header.sector_size == 0 || header.sector_size >= 512);

	FveBlockHeader block_header;
	if (fve_metadata_block_header_parse(all, &block_header, NULL))
		g_assert(size >= FVE_METADATA_BLOCK_HEADER_SIZE);

	FveMetadata fve = { 0 };
	FveInfo info = { 0 };
	if (fve_metadata_parse(all, &fve, &info, NULL)) {
		g_assert(info.method != NULL && info.description != NULL);
		for (size_t i = 0; i < info.protector_count; i++)
			g_assert(strlen(info.protectors[i].identifier) == 36);
		bool named;
		g_free(fve_metadata_refusal_text(&fve, &info, size, "libbde", &named));
	}
	fve_metadata_info_clear(&info);

	char out[RECOVERY_PASSWORD_DASHED_SIZE];
	if (recovery_password_normalise(all, out, NULL))
		g_assert(out[6] == '-' && out[48] == '-');
	return 0;
}
