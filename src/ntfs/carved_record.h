/* FILE records found outside the MFT by the deep scan: the checks a record must pass when
 * nothing but its own bytes says what it is, and reading one again from where it was found.
 * Decoding is mft_record's and building the file is mft_file's: no second parser here. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntfs/mft_file.h"
#include "ntfs/mft_reader.h"
#include "ntfs/mft_record.h"

enum {
	CARVED_RECORD_DIGEST_BYTES = 32,
};

/* Validates and decodes, in place, a candidate of exactly `size` bytes (the volume's record
 * size): FILE signature, valid fixups, a plausible header (allocated size = `size`, used size
 * and attribute offset inside it, room for the end marker), a base record (extension records
 * are not carved: their base says where they belong) with a nonzero sequence number, and the
 * number an NTFS 3.1 header states, which becomes out->record_number (its high 16 bits are
 * taken as 0). An NTFS 3.0 record states no number: nothing in the record alone tells which
 * file it was, so it is refused. RFS_ERROR_CORRUPT naming the failed check; on failure `buf`
 * may hold applied fixups and is not a record. */
bool carved_record_decode(uint8_t *buf, size_t size, MftRecord *out, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* The same checks but for the two that make a file of it: extension records and records of
 * sequence number 0 pass too (for locating the MFT by the records it holds). */
bool carved_record_decode_any(uint8_t *buf, size_t size, MftRecord *out, GError **error)
	G_GNUC_WARN_UNUSED_RESULT;

/* What a record says, for telling copies of it apart: a SHA-256 of its used bytes (fixups
 * applied, `rec` decoded from `buf`) without the fields that change while the file does not
 * (the LSN, the update sequence number, the sequence number and the flags). */
void carved_record_digest(const uint8_t *buf, const MftRecord *rec,
			  uint8_t out[CARVED_RECORD_DIGEST_BYTES]);

/* Reads the record at byte `offset` of the volume again, validates it as carved_record_decode()
 * does and checks that it is still record `record_number` with `sequence`
 * (RFS_ERROR_CORRUPT otherwise, RFS_ERROR_IO when unreadable), then builds the file. Its
 * extension records are not read: they would come from today's MFT, which is not the one the
 * record belonged to, so a file with an $ATTRIBUTE_LIST is incomplete. */
MftFile *carved_record_load(const MftReader *reader, uint64_t offset, uint64_t record_number,
			    uint16_t sequence, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Builds a file from a record carved_record_decode() accepted, without extension records. */
MftFile *carved_record_build(const MftReader *reader, const MftRecord *rec, uint32_t flags);
