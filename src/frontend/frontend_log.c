/* The GLib log writer both front ends install: the one-line stderr format, and syslog for a
 * daemon. It formats only; which levels and domains are shown is GLib's rule
 * (g_log_writer_default_would_drop), so G_MESSAGES_DEBUG works as everywhere else. Control
 * characters in a message (a name read from the disk may carry them) are escaped. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "frontend_log.h"

#include "entry_text.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

static const char *level_prefix(GLogLevelFlags level)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return "error: ";
	if (level & G_LOG_LEVEL_WARNING)
		return "warning: ";
	return "";
}

static int syslog_priority(GLogLevelFlags level)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return LOG_ERR;
	if (level & G_LOG_LEVEL_WARNING)
		return LOG_WARNING;
	if (level & G_LOG_LEVEL_DEBUG)
		return LOG_DEBUG;
	return (level & G_LOG_LEVEL_INFO) ? LOG_INFO : LOG_NOTICE;
}

static GLogWriterOutput frontend_log_write(GLogLevelFlags level, const GLogField *fields,
					   gsize n_fields, gpointer user_data)
{
	const FrontendLog *log = user_data;
	const char *domain = NULL;
	const char *message = NULL;
	for (gsize i = 0; i < n_fields; i++) {
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (strcmp(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	if (message == NULL || g_log_writer_default_would_drop(level, domain))
		return G_LOG_WRITER_HANDLED;
	g_autoptr(GString) text = g_string_new(NULL);
	entry_text_escape(text, message);
	if (log->to_syslog)
		syslog(syslog_priority(level), "%s", text->str); /* the priority says the level */
	else
		fprintf(stderr, "%s: %s%s\n", log->program, level_prefix(level), text->str);
	return G_LOG_WRITER_HANDLED;
}

void frontend_log_install(FrontendLog *log)
{
	g_return_if_fail(log != NULL && log->program != NULL);
	g_log_set_writer_func(frontend_log_write, log, NULL);
}

void frontend_log_use_syslog(FrontendLog *log)
{
	openlog(log->program, LOG_PID, LOG_DAEMON);
	log->to_syslog = true;
}

char *frontend_log_error_text(const char *source, const GError *error)
{
	if (source == NULL || strstr(error->message, source) != NULL)
		return g_strdup(error->message);
	return g_strdup_printf("%s: %s", source, error->message);
}
