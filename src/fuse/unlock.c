/* BitLocker secrets for the daemon: read from the files named on the command line, or asked
 * for on the terminal without echo, handed to the context and wiped. Never logged, never
 * taken from argv itself (it shows in ps). */
#define G_LOG_DOMAIN "restorefs-fuse"

#include "fuse/unlock.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void secret_free(char *secret, size_t size)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, size);
	g_free(secret);
}

static size_t strip_newline(char *text, size_t size)
{
	while (size > 0 && (text[size - 1] == '\n' || text[size - 1] == '\r'))
		text[--size] = '\0';
	return size;
}

/* 48 digits in eight groups, dashes optional: a recovery password rather than a password. */
static bool looks_like_recovery_password(const char *text)
{
	size_t digits = 0;
	for (const char *c = text; *c != '\0'; c++) {
		if (g_ascii_isdigit(*c))
			digits++;
		else if (*c != '-')
			return false;
	}
	return digits == 48;
}

static char *prompt_secret(const char *source, size_t *size, GError **error)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty == NULL) {
		g_set_error(error, RFS_ERROR, RFS_ERROR_LOCKED,
			    "%s is BitLocker-encrypted: give --password-file, --recovery-password-file, "
			    "--startup-key or --key-file", source);
		return NULL;
	}
	struct termios saved, quiet;
	bool echo_off = tcgetattr(fileno(tty), &saved) == 0;
	if (echo_off) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	fprintf(tty, "BitLocker password or recovery password for %s: ", source);
	fflush(tty);
	char *line = g_malloc0(1024);
	bool ok = fgets(line, 1024, tty) != NULL;
	if (echo_off)
		tcsetattr(fileno(tty), TCSAFLUSH, &saved);
	fputc('\n', tty);
	fclose(tty);
	if (!ok) {
		secret_free(line, 1024);
		g_set_error(error, RFS_ERROR, RFS_ERROR_LOCKED, "%s: no password given", source);
		return NULL;
	}
	*size = strip_newline(line, strlen(line));
	return line;
}

static bool supply(RfsContext *ctx, RfsKeyKind kind, const char *data, size_t size, GError **error)
{
	RfsDecryptionInfo info = { .kind = kind, .data = (const uint8_t *)data, .size = size };
	return rfs_context_supply_decryption(ctx, &info, error);
}

static bool supply_file(RfsContext *ctx, RfsKeyKind kind, const char *path, GError **error)
{
	char *secret = NULL;
	gsize size = 0;
	g_autoptr(GError) file_error = NULL;
	if (!g_file_get_contents(path, &secret, &size, &file_error)) {
		g_set_error(error, RFS_ERROR, RFS_ERROR_NOT_FOUND, "%s", file_error->message);
		return false;
	}
	gsize length = kind == RFS_KEY_FVEK ? size : strip_newline(secret, size);
	bool ok = supply(ctx, kind, secret, length, error);
	secret_free(secret, size);
	if (!ok)
		g_prefix_error(error, "%s: ", path);
	return ok;
}

bool unlock_volume(RfsContext *ctx, const MountOptions *opts, GError **error)
{
	if (!rfs_context_needs_decryption(ctx))
		return true;
	if (opts->startup_key != NULL)
		return supply(ctx, RFS_KEY_STARTUP_KEY, opts->startup_key, strlen(opts->startup_key), error);
	if (opts->recovery_password_file != NULL)
		return supply_file(ctx, RFS_KEY_RECOVERY_PASSWORD, opts->recovery_password_file, error);
	if (opts->password_file != NULL)
		return supply_file(ctx, RFS_KEY_PASSWORD, opts->password_file, error);
	if (opts->key_file != NULL)
		return supply_file(ctx, RFS_KEY_FVEK, opts->key_file, error);

	size_t size = 0;
	char *secret = prompt_secret(opts->source, &size, error);
	if (secret == NULL)
		return false;
	RfsKeyKind kind = looks_like_recovery_password(secret) ? RFS_KEY_RECOVERY_PASSWORD : RFS_KEY_PASSWORD;
	bool ok = supply(ctx, kind, secret, size, error);
	secret_free(secret, 1024);
	return ok;
}
