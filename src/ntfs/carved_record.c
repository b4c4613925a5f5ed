/* FILE records found outside the MFT: stricter header checks than a record read at its
 * place in the MFT needs (there, the position says what a record is; here only its bytes
 * do), the copy-telling digest, and the re-read for serving data. */
#define G_LOG_DOMAIN "restorefs-ntfs"

#include "ntfs/carved_record.h"

#include <string.h>

#include "ntfs/fixup.h"
#include "util/error.h"

enum {                          /* FILE record header fields the digest leaves out */
	CARVED_USA_OFFSET = 0x04,   /* u16 */
	CARVED_LSN = 0x08,          /* u64 */
	CARVED_SEQUENCE = 0x10,     /* u16 */
	CARVED_FLAGS = 0x16,        /* u16 */
	CARVED_END_MARKER = 4,      /* the attribute list ends with a u32 0xFFFFFFFF */
};

bool carved_record_decode_any(uint8_t *buf, size_t size, MftRecord *out, GError **error)
{
	if (size < FIXUP_STRIDE || size % FIXUP_STRIDE != 0)
		return rfs_set_corrupt(error, "carved record: %zu bytes", size);
	if (!mft_record_decode(buf, size, 0, out, error))
		return false;
	if (!out->has_own_number)
		return rfs_set_corrupt(error, "carved record: no record number in its header (NTFS 3.0)");
	if (out->allocated_size != size)
		return rfs_set_corrupt(error, "carved record %u: allocated size %u, records are %zu bytes",
				       out->own_number, out->allocated_size, size);
	if (out->attrs.size < CARVED_END_MARKER)
		return rfs_set_corrupt(error, "carved record %u: no room for attributes", out->own_number);
	out->record_number = out->own_number;
	return true;
}

bool carved_record_decode(uint8_t *buf, size_t size, MftRecord *out, GError **error)
{
	if (!carved_record_decode_any(buf, size, out, error))
		return false;
	if (out->base.record != 0 || out->base.sequence != 0)
		return rfs_set_corrupt(error, "carved record %u: an extension record", out->own_number);
	if (out->sequence == 0)
		return rfs_set_corrupt(error, "carved record %u: sequence number 0", out->own_number);
	return true;
}

void carved_record_digest(const uint8_t *buf, const MftRecord *rec,
			  uint8_t out[CARVED_RECORD_DIGEST_BYTES])
{
	size_t used = rec->used_size;
	g_autofree uint8_t *copy = g_memdup2(buf, used);
	memset(copy + CARVED_LSN, 0, 8);
	memset(copy + CARVED_SEQUENCE, 0, 2);
	memset(copy + CARVED_FLAGS, 0, 2);
	size_t usa = le16_at(copy + CARVED_USA_OFFSET);
	if (usa <= used && used - usa >= 2)
		memset(copy + usa, 0, 2);
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(sum, copy, used);
	gsize n = CARVED_RECORD_DIGEST_BYTES;
	g_checksum_get_digest(sum, out, &n);
}

MftFile *carved_record_build(const MftReader *reader, const MftRecord *rec, uint32_t flags)
{
	MftFileBudget none = { .extension_reads_left = 0 };
	return mft_file_build(reader, rec, flags, &none, NULL);
}

MftFile *carved_record_load(const MftReader *reader, uint64_t offset, uint64_t record_number,
			    uint16_t sequence, GError **error)
{
	size_t size = reader->boot.mft_record_size;
	BlockSource *src = reader->src;
	if (offset > src->size_bytes || size > src->size_bytes - offset) {
		rfs_set_corrupt(error, "carved record %" PRIu64 ": byte %" PRIu64 " lies past the volume",
				record_number, offset);
		return NULL;
	}
	g_autofree uint8_t *buf = g_malloc(size);
	if (!block_source_read(src, offset, buf, size, error))
		return NULL;
	MftRecord rec;
	if (!carved_record_decode(buf, size, &rec, error)) {
		g_prefix_error(error, "byte %" PRIu64 ": ", offset);
		return NULL;
	}
	if (rec.record_number != record_number || rec.sequence != sequence) {
		rfs_set_corrupt(error, "byte %" PRIu64 ": carved record %" PRIu64 " seq %u is now record %" PRIu64
				" seq %u", offset, record_number, sequence, rec.record_number, rec.sequence);
		return NULL;
	}
	return carved_record_build(reader, &rec, 0);
}
