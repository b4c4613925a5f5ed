/* The deep scan's FILE records: each candidate the sweep finds outside the MFT validated
 * (ntfs/carved_record.h), told apart from today's MFT and from copies already carved, and
 * added to the index as a deleted, carved file. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "index/mft_scan_pass.h"
#include "ntfs/volume.h"

MftCarve *mft_carve_new(const Volume *vol);
void mft_carve_free(MftCarve *carve);

/* A candidate starting with "FILE" at byte `offset` of the volume: `size` bytes, valid only
 * during the call. Adds it to pass->index unless it fails a check, is a system record (the
 * old root of a formatted volume is today's root), lies inside today's $MFT (the MFT pass
 * read it there), is a copy of a record already carved, or duplicates today's record of the
 * same number and sequence. A record of the same number and sequence as today's whose
 * content differs is an older version of that file: its name gets the tag "carved". */
void mft_carve_candidate(ScanPass *pass, uint64_t offset, const uint8_t *bytes, size_t size);

/* Logs what the candidates came to (g_info). */
void mft_carve_report(const MftCarve *carve);
