/* Name claims: "reference R (record and sequence) was named N in folder P, with these
 * times and sizes", from the traces NTFS keeps outside a file's own record: $I30 index
 * entries (live, slack, carved) and the change journal. One claim kept per reference, the
 * best by a fixed order (name_claims_better), so the result does not depend on the order
 * the traces were read in. Memory grows with the distinct references claimed. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ntfs/mft_record.h"
#include "restorefs/restorefs.h"

typedef struct {
	MftRef child;            /* the record the trace names, with its sequence then */
	MftRef parent;           /* the folder it was in */
	const char *name;        /* UTF-8, owned by the store */
	RfsTimes fn_times;       /* the $FILE_NAME times the trace carries */
	uint64_t size_bytes;     /* $FILE_NAME data size (often stale on NTFS) */
	uint64_t allocated_bytes;
	uint32_t file_attributes;/* FILE_ATTRIBUTE_*; 0x10000000 = a directory's index */
	uint8_t source;          /* RfsPathSource */
	uint8_t name_space;      /* FILE_NAME_* */
} NameClaim;

/* FILE_ATTRIBUTE_DUP_FILE_NAME_INDEX_PRESENT: set in a directory's $FILE_NAME. */
#define NAME_CLAIM_DIRECTORY_ATTRIBUTE 0x10000000u

typedef struct NameClaims NameClaims;

NameClaims *name_claims_new(void);
void name_claims_free(NameClaims *claims);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NameClaims, name_claims_free)

/* Records a claim: `child` was named `name_utf8` (copied) in `fn->parent`, with fn's times,
 * sizes, attributes and name space (fn->name is not read). Refused (false, not an error)
 * when it cannot name anything: a child or parent outside the user records (below 16, the
 * root excepted as a parent), a parent equal to the child, an empty name, "." or "..",
 * a name with '/' or not UTF-8. Otherwise kept if it beats the claim held for `child`. */
bool name_claims_add(NameClaims *claims, MftRef child, const FileName *fn, const char *name_utf8,
		     RfsPathSource source);

/* A stale $FILE_NAME key whose entry header was overwritten (ntfs-3g and Windows write the
 * end marker over the header of the entry they remove last): it names no reference. Kept
 * by its $FILE_NAME creation time, for name_claims_lookup_by_creation(); the same checks
 * as name_claims_add() but on the parent only. */
bool name_claims_add_unreferenced(NameClaims *claims, const FileName *fn, const char *name_utf8,
				  RfsPathSource source);

/* The unreferenced claim whose creation time is exactly `creation` (FILETIME, 100 ns), or
 * NULL when there is none, when `creation` is 0, or when claims of different names or
 * parents share that time (ambiguous: none is believed). */
const NameClaim *name_claims_lookup_by_creation(const NameClaims *claims, int64_t creation);

/* The claim kept for exactly this reference, or NULL. Valid until the store is freed. */
const NameClaim *name_claims_lookup(const NameClaims *claims, MftRef ref);

/* Distinct references claimed (unreferenced claims not counted). */
guint name_claims_count(const NameClaims *claims);
/* Claims offered to name_claims_add, kept or not. */
uint64_t name_claims_offered(const NameClaims *claims);

/* The kept claims with a reference, sorted by it (record, then sequence). */
GPtrArray *name_claims_sorted(const NameClaims *claims);

/* Whether `a` wins over `b` for the same reference. In order: a name not only in the DOS
 * 8.3 name space; the source (index, then index slack, then carved index, then journal:
 * RfsPathSource order); the newest $FILE_NAME change or write time; the lowest name in
 * strcmp order; the lowest parent reference. */
bool name_claims_better(const NameClaim *a, const NameClaim *b);
