/* The restorefs error domain and the setters every layer reports through. errno is the
 * FUSE front end's business (src/fuse/ops.c). */
#define G_LOG_DOMAIN "restorefs-util"

#include "util/error.h"

G_DEFINE_QUARK(restorefs-error-quark, rfs_error)

static bool set_error_va(GError **error, RfsError code, const char *fmt, va_list ap) G_GNUC_PRINTF(3, 0);

static bool set_error_va(GError **error, RfsError code, const char *fmt, va_list ap)
{
	if (error != NULL) {
		g_return_val_if_fail(*error == NULL, false);
		*error = g_error_new_valist(RFS_ERROR, (gint)code, fmt, ap);
	}
	return false;
}

bool rfs_set_error(GError **error, RfsError code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error_va(error, code, fmt, ap);
	va_end(ap);
	return false;
}

#define DEFINE_SETTER(fn, code)                                  \
	bool fn(GError **error, const char *fmt, ...)            \
	{                                                        \
		va_list ap;                                      \
		va_start(ap, fmt);                               \
		set_error_va(error, code, fmt, ap);              \
		va_end(ap);                                      \
		return false;                                    \
	}

DEFINE_SETTER(rfs_set_corrupt, RFS_ERROR_CORRUPT)
DEFINE_SETTER(rfs_set_io, RFS_ERROR_IO)
DEFINE_SETTER(rfs_set_unsupported, RFS_ERROR_UNSUPPORTED)

bool rfs_take_gone(GError **from, GError **to)
{
	if (!g_error_matches(*from, RFS_ERROR, RFS_ERROR_GONE))
		return false;
	g_propagate_error(to, g_steal_pointer(from));
	return true;
}

void rfs_prefix_gone(GError **error, const char *phase)
{
	g_prefix_error(error, "the source stopped answering %s; check its connection and run again: ",
		       phase);
}
