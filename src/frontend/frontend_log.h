/* One log line per GLib message for both front ends: "PROGRAM: message" on stderr, with
 * "warning: " or "error: " in front of warnings and criticals, and no pid, time or domain.
 * A daemon that has closed its stderr switches to syslog. */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct {
	const char *program; /* the prefix of every stderr line, and the syslog ident */
	bool to_syslog;      /* set by frontend_log_use_syslog() */
} FrontendLog;

/* Installs the process's GLib log writer; `log` must live until the process exits. Debug and
 * info lines are shown only when G_MESSAGES_DEBUG names their domain (or is "all"), as
 * with GLib's own writer. Call once, before anything logs. */
void frontend_log_install(FrontendLog *log);
/* From now on, lines go to syslog (facility daemon, with the pid) instead of stderr. Call
 * before starting threads that log. */
void frontend_log_use_syslog(FrontendLog *log);

/* The error's message, with `source` named in front unless the message names it already
 * (g_free). */
char *frontend_log_error_text(const char *source, const GError *error);
