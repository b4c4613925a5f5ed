/* Force-included (-include) into the core sources built for the fuzz targets. A scan asks
 * for three 1 MiB MFT buffers (and the deep sweep for its windows) however small the volume
 * is; under AddressSanitizer each such allocation costs fresh mappings, shadow poisoning
 * and a quarantine pass, which made a whole-volume target run at ~150 inputs a second. Buffers of FUZZ_LARGE_ALLOC bytes and
 * more are therefore kept after g_free() and handed out again to the next g_malloc() of the
 * same size (so they are not checked for use after free); everything else is as built. */
#pragma once

/* Included before anything else (so before G_LOG_DOMAIN is defined): nothing from glib
 * here. glib's two functions are declared first, for code that names g_free without
 * calling it (g_clear_pointer(&p, g_free)); gmem.h's own declarations, renamed by these
 * macros, then declare the two below again. */
#define FUZZ_LARGE_ALLOC ((unsigned long)1024 * 1024)

void *g_malloc(unsigned long n_bytes);
void g_free(void *mem);
void *fuzz_alloc_malloc(unsigned long n_bytes);
void fuzz_alloc_free(void *mem);

#undef g_malloc
#define g_malloc(n) fuzz_alloc_malloc(n)
#undef g_free
#define g_free(mem) fuzz_alloc_free(mem)
