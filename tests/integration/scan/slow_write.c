/* LD_PRELOAD shim for the interrupted-extraction test: every write() of at least 64 KiB
 * first sleeps RESTOREFS_TEST_WRITE_DELAY_MS milliseconds, so that a signal can be sent
 * while a file is half written. Small writes (messages on stderr) are not slowed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	if (real_write == NULL) {
		void *sym = dlsym(RTLD_NEXT, "write"); /* memcpy: ISO C has no object-to-function cast */
		memcpy(&real_write, &sym, sizeof sym);
	}
	const char *delay = getenv("RESTOREFS_TEST_WRITE_DELAY_MS");
	if (delay != NULL && count >= 64 * 1024) {
		long ms = strtol(delay, NULL, 10);
		struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return real_write(fd, buf, count);
}
