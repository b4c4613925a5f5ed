/* LD_PRELOAD shim for the full-target test: statvfs() reports a million free blocks more
 * than there are, so that restorefs-scan's up-front free-space check passes and the target
 * then fills during the extraction itself. */
#undef _FILE_OFFSET_BITS /* both entry points are defined below, each under its own name */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <sys/statvfs.h>

enum { EXTRA_BLOCKS = 1000000 };

/* dlsym returns an object pointer: memcpy, since ISO C has no object-to-function cast */
#define REAL(name, var) \
	do { \
		if ((var) == NULL) { \
			void *sym = dlsym(RTLD_NEXT, name); \
			memcpy(&(var), &sym, sizeof sym); \
		} \
	} while (0)

int statvfs(const char *path, struct statvfs *buf);
int statvfs(const char *path, struct statvfs *buf)
{
	static int (*real)(const char *, struct statvfs *);
	REAL("statvfs", real);
	int rc = real(path, buf);
	if (rc == 0)
		buf->f_bavail += EXTRA_BLOCKS;
	return rc;
}

int statvfs64(const char *path, struct statvfs64 *buf);
int statvfs64(const char *path, struct statvfs64 *buf)
{
	static int (*real)(const char *, struct statvfs64 *);
	REAL("statvfs64", real);
	int rc = real(path, buf);
	if (rc == 0)
		buf->f_bavail += EXTRA_BLOCKS;
	return rc;
}
