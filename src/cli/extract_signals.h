/* The signal handling of restorefs-scan --extract (extract_signals.c): one slot per file in
 * flight holds its partial path, armed while a worker may have the file on disk. */
#pragma once

#include <signal.h>
#include <stdbool.h>

enum { EXTRACT_SIGNALS_SLOTS = 64 };

typedef struct {
	struct sigaction old_int, old_term;
} ExtractSignals;

/* Installs the SIGINT and SIGTERM handlers, every slot disarmed; `progress`: a progress bar
 * may be half drawn on stderr. Threads that write files must block both signals. */
void extract_signals_install(ExtractSignals *saved, bool progress);
/* Puts the previous handlers back. */
void extract_signals_restore(const ExtractSignals *saved);
/* Sets the slot's path while it is disarmed (the main thread, before handing the file on). */
void extract_signals_slot_set(unsigned slot, const char *partial_path);
/* Arms the slot before its file is created; false once a signal has arrived: then the file
 * must not be started. */
bool extract_signals_arm(unsigned slot);
void extract_signals_disarm(unsigned slot);
