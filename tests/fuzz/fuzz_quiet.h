/* The LLVMFuzzerInitialize of the whole-volume targets: damage is logged as it is met, a
 * line on stderr per input, so logs are dropped unless FUZZ_EXPLAIN asks for them. */
#pragma once

#include <glib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

static void fuzz_quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
			   gpointer user_data)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (g_getenv("FUZZ_EXPLAIN") == NULL)
		g_log_set_default_handler(fuzz_quiet_log, NULL);
	return 0;
}
