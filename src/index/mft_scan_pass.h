/* The state of one scan pass, shared by the files of the scan (mft_scan.c, mft_carve.c). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "index/cluster_claims.h"
#include "index/deleted_index.h"
#include "index/index_traces.h"
#include "ntfs/mft_file.h"
#include "ntfs/volume.h"

typedef struct MftCarve MftCarve;

/* One pass: what it fills and what it may still spend. */
typedef struct {
	const Volume *vol;
	DeletedIndex *index;
	bool include_live;
	MftFileBudget budget; /* extension-record reads, shared by every file of the pass */
	ClusterClaims *claims; /* the clusters deleted streams map, compared after the pass */
	MftCarve *carve;      /* the deep scan's carved records; NULL without RFS_SCAN_DEEP */
	IndexTraces *traces;  /* $I30 entries of every directory: name claims */
} ScanPass;

/* Where a file's record was found. */
typedef struct {
	unsigned origin;      /* RFS_ORIGIN_* of its entry ids */
	bool carved;          /* found by the deep sweep: deleted, flagged, path source carved */
	uint64_t offset;      /* carved: byte of the volume holding the record */
	const char *name_tag; /* NULL, or a tag its name carries: "name (tag).ext" */
} MftScanOrigin;

/* Adds the nodes of file `f`, built from its base record `rec`: the file (or directory) and
 * its named streams, with sizes, cluster accounting and cluster claims. */
void mft_scan_add_file(ScanPass *pass, const MftFile *f, const MftRecord *rec,
		       const MftScanOrigin *origin);
