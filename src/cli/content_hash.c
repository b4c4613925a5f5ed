/* Hashes an entry's content for the listings. Reads in 1 MiB pieces; a read error ends the
 * entry (the caller reports it and lists the entry without a hash). */
#define G_LOG_DOMAIN "restorefs-cli"

#include "content_hash.h"

#include <inttypes.h>

enum { HASH_CHUNK_BYTES = 1 << 20 };

char *content_hash_entry(const RfsContext *ctx, RfsEntryId id, const RfsStreamOptions *options,
			 GChecksumType type, Progress *progress, uint64_t *done_bytes, GError **error)
{
	g_autoptr(RfsStream) stream = rfs_stream_open(ctx, id, options, error);
	if (stream == NULL)
		return NULL;
	g_autoptr(GChecksum) sum = g_checksum_new(type);
	g_autofree uint8_t *buf = g_malloc(HASH_CHUNK_BYTES);
	uint64_t size = rfs_stream_size(stream);
	for (uint64_t offset = 0; offset < size;) {
		size_t got = 0;
		if (!rfs_stream_read(stream, offset, buf, HASH_CHUNK_BYTES, &got, error)) {
			g_prefix_error(error, "at %" PRIu64 ": ", offset);
			return NULL;
		}
		if (got == 0)
			break;
		g_checksum_update(sum, buf, got);
		offset += got;
		*done_bytes += got;
		if (progress != NULL)
			progress_update(progress, *done_bytes);
	}
	return g_strdup(g_checksum_get_string(sum));
}
