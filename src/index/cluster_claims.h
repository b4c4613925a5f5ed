/* Clusters claimed by more than one deleted stream: who wrote them last, as far as the
 * evidence NTFS keeps can show it. Built while the scan adds deleted streams, resolved once
 * after it; the results land in each stream's RfsEntryInfo (clusters_superseded and
 * clusters_contested). The rule and its reasons are in README.md, "Decisions". */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "restorefs/restorefs.h"

typedef struct ClusterClaims ClusterClaims;

/* How many of `count` clusters from `lcn` are allocated now ($Bitmap). */
typedef uint64_t (*ClusterClaimsInUseFunc)(uint64_t lcn, uint64_t count, void *user_data);

/* Extents gathered at most; beyond it the rest is not compared (one warning). */
#define CLUSTER_CLAIMS_MAX_EXTENTS ((size_t)1 << 23)

/* Claims on a volume of `volume_clusters` clusters; parts of extents beyond it are dropped. */
ClusterClaims *cluster_claims_new(uint64_t volume_clusters);
void cluster_claims_free(ClusterClaims *claims);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ClusterClaims, cluster_claims_free)

/* Registers a deleted stream (or a deleted directory's index blocks) whose MFT record
 * carries $LogFile sequence number `lsn` (0 = none); its times are read from `info`, which
 * must stay valid until cluster_claims_resolve() writes the results into it, cut to its
 * `clusters` (so a directory's stay 0). Returns the claimant's number. */
uint32_t cluster_claims_add_stream(ClusterClaims *claims, RfsEntryInfo *info, uint64_t lsn);

/* The stream `claimant` maps `length_clusters` clusters from `lcn`. Zero lengths and sparse
 * runs are the caller's to skip; lengths that reach past the volume are cut. False once
 * CLUSTER_CLAIMS_MAX_EXTENTS extents are held: the extent is dropped. */
bool cluster_claims_add_extent(ClusterClaims *claims, uint32_t claimant, uint64_t lcn,
			       uint64_t length_clusters);

/* Compares every range claimed by two or more streams and adds its clusters that `in_use`
 * reports free to each loser's clusters_superseded, or, where the order cannot be shown,
 * to every claimant's clusters_contested; both stay within the clusters not in use.
 * `horizon` (FILETIME) is the latest time a true timestamp can carry: later ones, like 0,
 * make a stream's write order unknown. Returns the number of claimants given either. */
uint64_t cluster_claims_resolve(ClusterClaims *claims, int64_t horizon,
				ClusterClaimsInUseFunc in_use, void *user_data);
