/* Finding $MFT when record 0 and its copy in $MFTMirr are both lost: every FILE record that
 * states its own number (NTFS 3.1) says where MFT byte number x record size lies, so the
 * records found on the volume give back the runlist that record 0 held. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ntfs/runlist.h"
#include "ntfs/volume.h"
#include "restorefs/restorefs.h"

typedef struct {
	uint64_t records_found;  /* records whose number and place fit an MFT cluster */
	uint64_t conflicts;      /* records naming a cluster of the MFT already placed elsewhere */
	uint64_t gaps_filled;    /* clusters between two placed ones, at the same distance on disk */
} MftLocateStats;

/* Sweeps every cluster of `bare` (volume_new_bare) and builds $MFT's runlist into `runs`
 * (empty on entry) with the data size it implies: VCN n x record size / cluster size of each
 * record numbered n lies at the cluster the record was found in (the first such place wins),
 * and a gap between two placed clusters that lie as far apart on disk as in the MFT is taken
 * to be contiguous (never-used records hold no FILE signature). Progress is in bytes.
 * RFS_ERROR_CORRUPT when fewer records than the system files are found. */
bool mft_locate_runs(const Volume *bare, Runlist *runs, uint64_t *data_size, MftLocateStats *stats,
		     RfsProgressFunc progress, void *user_data, GError **error) G_GNUC_WARN_UNUSED_RESULT;
