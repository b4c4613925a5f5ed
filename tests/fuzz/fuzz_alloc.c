/* The large-buffer cache of fuzz_alloc.h. Ownership and sizes come from the sanitizer's
 * allocator, so a buffer freed elsewhere (g_autofree calls glib's g_free directly) is
 * simply gone, never cached twice. One thread at a time frees and allocates these here
 * (a scan's buffers are allocated and freed by the scanning thread), but a lock costs
 * nothing next to the allocation it saves. */
#include <glib.h>
#include <sanitizer/allocator_interface.h>

#include "fuzz_alloc.h"

#undef g_malloc
#undef g_free

enum { CACHED_MAX = 6 }; /* the MFT pass holds three at once, the sweep two */

static GMutex lock;
static gpointer cached[CACHED_MAX];

gpointer fuzz_alloc_malloc(gsize n_bytes)
{
	if (n_bytes >= FUZZ_LARGE_ALLOC) {
		g_mutex_lock(&lock);
		for (int i = 0; i < CACHED_MAX; i++) {
			if (cached[i] != NULL && __sanitizer_get_allocated_size(cached[i]) == n_bytes) {
				gpointer mem = cached[i];
				cached[i] = NULL;
				g_mutex_unlock(&lock);
				return mem;
			}
		}
		g_mutex_unlock(&lock);
	}
	return g_malloc(n_bytes);
}

void fuzz_alloc_free(gpointer mem)
{
	if (mem != NULL && __sanitizer_get_ownership(mem) &&
	    __sanitizer_get_allocated_size(mem) >= FUZZ_LARGE_ALLOC) {
		g_mutex_lock(&lock);
		for (int i = 0; i < CACHED_MAX; i++) {
			if (cached[i] == NULL) {
				cached[i] = mem;
				g_mutex_unlock(&lock);
				return;
			}
		}
		g_mutex_unlock(&lock);
	}
	g_free(mem);
}
