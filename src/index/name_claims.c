/* The claims store: one array of claims, a hash from the packed reference to the claim
 * kept for it, and a string chunk for the names. Decides between claims for the same
 * reference; does not read the volume or judge claims against the MFT (path_traces.c). */
#define G_LOG_DOMAIN "restorefs-index"

#include "index/name_claims.h"

#include <string.h>

#include "ntfs/mft_reader.h"

struct NameClaims {
	GArray *claims;        /* NameClaim */
	GHashTable *by_ref;    /* packed reference -> index + 1 in claims */
	GHashTable *by_creation; /* creation FILETIME -> index + 1 in claims, or AMBIGUOUS */
	GStringChunk *names;
	uint64_t offered;
};

G_STATIC_ASSERT(sizeof(gpointer) >= sizeof(uint64_t)); /* packed references as hash keys */

static gpointer ref_key(MftRef ref)
{
	return (gpointer)(uintptr_t)((uint64_t)ref.sequence << 48 | (ref.record & 0xFFFFFFFFFFFFull));
}

NameClaims *name_claims_new(void)
{
	NameClaims *claims = g_new0(NameClaims, 1);
	claims->claims = g_array_new(FALSE, FALSE, sizeof(NameClaim));
	claims->by_ref = g_hash_table_new(g_direct_hash, g_direct_equal);
	claims->by_creation = g_hash_table_new(g_direct_hash, g_direct_equal);
	claims->names = g_string_chunk_new(256 * 1024);
	return claims;
}

void name_claims_free(NameClaims *claims)
{
	if (claims == NULL)
		return;
	g_array_unref(claims->claims);
	g_hash_table_unref(claims->by_ref);
	g_hash_table_unref(claims->by_creation);
	g_string_chunk_free(claims->names);
	g_free(claims);
}

static int64_t newest_time(const NameClaim *c)
{
	return MAX(c->fn_times.mft_change, c->fn_times.last_write);
}

static int compare_refs(MftRef a, MftRef b)
{
	if (a.record != b.record)
		return a.record < b.record ? -1 : 1;
	return (a.sequence > b.sequence) - (a.sequence < b.sequence);
}

bool name_claims_better(const NameClaim *a, const NameClaim *b)
{
	bool a_dos = a->name_space == FILE_NAME_DOS, b_dos = b->name_space == FILE_NAME_DOS;
	if (a_dos != b_dos)
		return !a_dos;
	if (a->source != b->source)
		return a->source < b->source;
	if (newest_time(a) != newest_time(b))
		return newest_time(a) > newest_time(b);
	int c = strcmp(a->name, b->name);
	if (c != 0)
		return c < 0;
	return compare_refs(a->parent, b->parent) < 0;
}

static bool usable(MftRef child, const FileName *fn, const char *name)
{
	if (child.record < MFT_RECORD_FIRST_USER || child.record > 0xFFFFFFFFFFFFull)
		return false;
	if (fn->parent.record == child.record || fn->parent.record > 0xFFFFFFFFFFFFull ||
	    (fn->parent.record < MFT_RECORD_FIRST_USER && fn->parent.record != MFT_RECORD_ROOT))
		return false;
	if (name == NULL || name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	return strchr(name, '/') == NULL && g_utf8_validate(name, -1, NULL);
}

/* The claim a $FILE_NAME makes for `child` (no reference: a zero one); `name` as given. */
static NameClaim claim_of(MftRef child, const FileName *fn, const char *name, RfsPathSource source)
{
	return (NameClaim){
		.child = child,
		.parent = fn->parent,
		.name = name,
		.fn_times = { fn->creation, fn->last_write, fn->last_access, fn->mft_change },
		.size_bytes = fn->data_size,
		.allocated_bytes = fn->allocated_size,
		.file_attributes = fn->file_attributes,
		.source = (uint8_t)source,
		.name_space = fn->name_space,
	};
}

bool name_claims_add(NameClaims *claims, MftRef child, const FileName *fn, const char *name_utf8,
		     RfsPathSource source)
{
	g_return_val_if_fail(claims != NULL && fn != NULL, false);
	claims->offered++;
	if (!usable(child, fn, name_utf8))
		return false;
	NameClaim c = claim_of(child, fn, name_utf8, source);
	gpointer key = ref_key(child);
	guint at = GPOINTER_TO_UINT(g_hash_table_lookup(claims->by_ref, key));
	if (at != 0) {
		NameClaim *held = &g_array_index(claims->claims, NameClaim, at - 1);
		if (!name_claims_better(&c, held))
			return true;
		c.name = g_string_chunk_insert_const(claims->names, name_utf8);
		*held = c;
		return true;
	}
	c.name = g_string_chunk_insert_const(claims->names, name_utf8);
	g_array_append_val(claims->claims, c);
	g_hash_table_insert(claims->by_ref, key, GUINT_TO_POINTER(claims->claims->len));
	return true;
}

#define AMBIGUOUS G_MAXUINT

bool name_claims_add_unreferenced(NameClaims *claims, const FileName *fn, const char *name_utf8,
				  RfsPathSource source)
{
	g_return_val_if_fail(claims != NULL && fn != NULL, false);
	claims->offered++;
	/* any user record will do as the child for the checks: the parent's are what count */
	MftRef any = { fn->parent.record == MFT_RECORD_FIRST_USER ? MFT_RECORD_FIRST_USER + 1
								  : MFT_RECORD_FIRST_USER, 0 };
	if (fn->creation == 0 || !usable(any, fn, name_utf8))
		return false;
	gpointer key = (gpointer)(uintptr_t)(uint64_t)fn->creation;
	guint at = GPOINTER_TO_UINT(g_hash_table_lookup(claims->by_creation, key));
	if (at == AMBIGUOUS)
		return true;
	if (at != 0) {
		const NameClaim *held = &g_array_index(claims->claims, NameClaim, at - 1);
		if (strcmp(held->name, name_utf8) != 0 || compare_refs(held->parent, fn->parent) != 0)
			g_hash_table_insert(claims->by_creation, key, GUINT_TO_POINTER(AMBIGUOUS));
		return true;
	}
	NameClaim c = claim_of((MftRef){ 0 }, fn, g_string_chunk_insert_const(claims->names, name_utf8),
			       source);
	g_array_append_val(claims->claims, c);
	g_hash_table_insert(claims->by_creation, key, GUINT_TO_POINTER(claims->claims->len));
	return true;
}

const NameClaim *name_claims_lookup_by_creation(const NameClaims *claims, int64_t creation)
{
	if (claims == NULL || creation == 0)
		return NULL;
	guint at = GPOINTER_TO_UINT(g_hash_table_lookup(claims->by_creation,
						       (gpointer)(uintptr_t)(uint64_t)creation));
	return at == 0 || at == AMBIGUOUS ? NULL : &g_array_index(claims->claims, NameClaim, at - 1);
}

const NameClaim *name_claims_lookup(const NameClaims *claims, MftRef ref)
{
	if (claims == NULL)
		return NULL;
	guint at = GPOINTER_TO_UINT(g_hash_table_lookup(claims->by_ref, ref_key(ref)));
	return at == 0 ? NULL : &g_array_index(claims->claims, NameClaim, at - 1);
}

guint name_claims_count(const NameClaims *claims)
{
	return claims == NULL ? 0 : g_hash_table_size(claims->by_ref);
}

uint64_t name_claims_offered(const NameClaims *claims)
{
	return claims == NULL ? 0 : claims->offered;
}

static int compare_claims(gconstpointer a, gconstpointer b)
{
	const NameClaim *x = *(const NameClaim *const *)a, *y = *(const NameClaim *const *)b;
	return compare_refs(x->child, y->child);
}

GPtrArray *name_claims_sorted(const NameClaims *claims)
{
	GPtrArray *out = g_ptr_array_sized_new(name_claims_count(claims));
	for (guint i = 0; claims != NULL && i < claims->claims->len; i++) {
		NameClaim *c = &g_array_index(claims->claims, NameClaim, i);
		if (c->child.record != 0) /* unreferenced claims have none */
			g_ptr_array_add(out, c);
	}
	g_ptr_array_sort(out, compare_claims);
	return out;
}
