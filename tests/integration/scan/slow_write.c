/* LD_PRELOAD shim for the interrupted-extraction test: every write() and copy_file_range()
 * of at least 64 KiB first sleeps RESTOREFS_TEST_WRITE_DELAY_MS milliseconds, so that a
 * signal can be sent while a file is half written. Small writes (messages on stderr) are
 * not slowed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void delay(size_t count)
{
	const char *ms_text = getenv("RESTOREFS_TEST_WRITE_DELAY_MS");
	if (ms_text != NULL && count >= 64 * 1024) {
		long ms = strtol(ms_text, NULL, 10);
		struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* dlsym returns an object pointer: memcpy, since ISO C has no object-to-function cast */
#define REAL(name, var) \
	do { \
		if ((var) == NULL) { \
			void *sym = dlsym(RTLD_NEXT, name); \
			memcpy(&(var), &sym, sizeof sym); \
		} \
	} while (0)

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	REAL("write", real_write);
	delay(count);
	return real_write(fd, buf, count);
}

ssize_t copy_file_range(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len,
			unsigned int flags)
{
	static ssize_t (*real_copy)(int, off_t *, int, off_t *, size_t, unsigned int);
	REAL("copy_file_range", real_copy);
	delay(len);
	return real_copy(fd_in, off_in, fd_out, off_out, len, flags);
}
