/* What SIGINT and SIGTERM do during an extraction: remove every partial file being
 * written, say so, and end the process with EXTRACT_EXIT_SIGNAL_BASE + the signal. Only
 * async-signal-safe calls run in the handler; nothing here allocates. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "extract_signals.h"

#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extract.h"

/* The partial files being written, one per ring slot, for the signal handler: `armed` says
 * the path is whole. Workers block the signals, so the handler runs on the main thread;
 * once `stopping` is set no worker starts a file, and a second pass catches a file created
 * while the first one ran. */
static char signal_partial_path[EXTRACT_SIGNALS_SLOTS][PATH_MAX];
static volatile sig_atomic_t signal_armed[EXTRACT_SIGNALS_SLOTS];
static volatile sig_atomic_t signal_stopping;
static volatile sig_atomic_t signal_on_terminal; /* a progress bar may be half drawn */

static void unlink_armed(void)
{
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned i = 0; i < EXTRACT_SIGNALS_SLOTS; i++)
		if (signal_armed[i])
			(void)unlink(signal_partial_path[i]);
}

static void on_signal(int signo)
{
	static const char msg[] = "restorefs-scan: interrupted; the file being written was removed\n";
	signal_stopping = 1;
	unlink_armed();
	struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	(void)nanosleep(&pause, NULL);
	unlink_armed();
	if (signal_on_terminal)
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(EXTRACT_EXIT_SIGNAL_BASE + signo);
}

/* Sets the slot's path while nothing is armed there (the main thread, preparing a job). A
 * path longer than PATH_MAX cannot be unlinked by name: the slot then names nothing. */
void extract_signals_slot_set(unsigned slot, const char *partial_path)
{
	signal_armed[slot] = 0;
	if (strlen(partial_path) >= sizeof signal_partial_path[slot])
		signal_partial_path[slot][0] = '\0';
	else
		strcpy(signal_partial_path[slot], partial_path);
}

/* Arms the slot before its file is created; false once a signal has arrived. */
bool extract_signals_arm(unsigned slot)
{
	signal_armed[slot] = 1;
	atomic_thread_fence(memory_order_seq_cst);
	return !signal_stopping;
}

void extract_signals_disarm(unsigned slot)
{
	signal_armed[slot] = 0;
	atomic_thread_fence(memory_order_seq_cst);
}

void extract_signals_install(ExtractSignals *g, bool progress)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	signal_on_terminal = progress && isatty(STDERR_FILENO);
	signal_stopping = 0;
	for (unsigned i = 0; i < EXTRACT_SIGNALS_SLOTS; i++)
		signal_armed[i] = 0;
	sigaction(SIGINT, &sa, &g->old_int);
	sigaction(SIGTERM, &sa, &g->old_term);
}

void extract_signals_restore(const ExtractSignals *g)
{
	sigaction(SIGINT, &g->old_int, NULL);
	sigaction(SIGTERM, &g->old_term, NULL);
}
