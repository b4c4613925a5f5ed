/* libFuzzer target: the key protector parser (VMK and FVEK datums, the moved header's
 * location) and the startup key file parser on arbitrary bytes; every key datum decoded is
 * then unwrapped with a fixed key, which must fail cleanly. */
#include <glib.h>
#include <string.h>

#include "device/fve_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ByteSpan all = byte_span(data, size);
	static const uint8_t key[FVE_KEYS_HASH_SIZE] = { 1, 2, 3 };
	uint8_t out[FVE_KEYS_KEY_MAX];
	size_t out_size = 0;
	uint16_t method = 0;
	FveKeys keys;
	if (fve_keys_parse(all, &keys, NULL)) {
		for (size_t i = 0; i < keys.vmk_count; i++) {
			const FveVmkEntry *v = &keys.vmks[i];
			g_assert(!v->has_vmk || v->vmk.payload_size <= FVE_KEYS_PAYLOAD_MAX);
			if (v->has_vmk && fve_keys_unwrap(key, &v->vmk, 32, out, &out_size, &method, NULL))
				g_assert(out_size <= sizeof out);
		}
		if (keys.has_fvek && fve_keys_unwrap(key, &keys.fvek, 0, out, &out_size, &method, NULL))
			g_assert(out_size <= sizeof out);
		fve_keys_clear(&keys);
	}
	uint8_t guid[FVE_KEYS_GUID_SIZE], bek_key[FVE_KEYS_HASH_SIZE];
	if (fve_keys_startup_key_parse(all, guid, bek_key, NULL))
		memset(bek_key, 0, sizeof bek_key);
	return 0;
}
