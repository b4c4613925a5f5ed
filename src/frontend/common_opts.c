/* The options restorefs and restorefs-scan share: size and number parsing, the overwritten
 * policy, volume location, BitLocker secrets. No FUSE and no GOption parsing state here.
 * Secrets live only in one mmap'd page that is kept out of core dumps and wiped with
 * explicit_bzero before it is unmapped; they are never logged. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "common_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

/* Sets `error` in the RFS_ERROR domain; returns false, so that `return set_error(...)` reads. */
static bool set_error(GError **error, RfsError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool set_error(GError **error, RfsError code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, RFS_ERROR, (gint)code, message);
	return false;
}

/* ---- numbers -------------------------------------------------------------------------------- */

bool common_opts_parse_u64(const char *text, uint64_t *out, GError **error)
{
	if (text == NULL || *text == '\0' || *text == '-' || *text == '+' || g_ascii_isspace(*text))
		return set_error(error, RFS_ERROR_INVALID, "'%s' is not a number",
				   text != NULL ? text : "");
	char *end = NULL;
	errno = 0;
	/* Decimal, or hexadecimal with 0x: a leading zero must not turn 010 into eight. */
	bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	guint64 v = g_ascii_strtoull(hex ? text + 2 : text, &end, hex ? 16 : 10);
	if (hex && end == text + 2)
		end = (char *)text;
	if (errno != 0 || end == text || *end != '\0')
		return set_error(error, RFS_ERROR_INVALID, "'%s' is not a number", text);
	*out = v;
	return true;
}

bool common_opts_parse_percent(const char *text, unsigned *out, GError **error)
{
	g_autofree char *digits = g_strdup(text != NULL ? text : "");
	size_t length = strlen(digits);
	if (length > 0 && digits[length - 1] == '%')
		digits[length - 1] = '\0';
	uint64_t v = 0;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		v = UINT64_MAX; /* a percentage is decimal */
	else if (!common_opts_parse_u64(digits, &v, NULL))
		v = UINT64_MAX;
	if (v > 100)
		return set_error(error, RFS_ERROR_INVALID, "'%s' is not a percentage (0-100)", text != NULL ? text : "");
	*out = (unsigned)v;
	return true;
}

/* Multiplier for a suffix such as "", "K", "KB", "KiB"; 0 when unknown. */
static uint64_t size_multiplier(const char *suffix)
{
	static const char units[] = "KMGTPE";
	if (*suffix == '\0')
		return 1;
	if (g_ascii_strcasecmp(suffix, "B") == 0)
		return 1;
	const char *u = strchr(units, g_ascii_toupper(*suffix));
	if (u == NULL || *u == '\0')
		return 0;
	const char *rest = suffix + 1;
	if (*rest != '\0' && g_ascii_strcasecmp(rest, "B") != 0 && g_ascii_strcasecmp(rest, "iB") != 0)
		return 0;
	return UINT64_C(1) << (10 * (unsigned)(u - units + 1));
}

bool common_opts_parse_size(const char *text, uint64_t *out_bytes, GError **error)
{
	if (text == NULL || !g_ascii_isdigit(*text))
		goto invalid;
	const char *p = text;
	uint64_t whole = 0;
	for (; g_ascii_isdigit(*p); p++) {
		if (!g_uint64_checked_mul(&whole, whole, 10) ||
		    !g_uint64_checked_add(&whole, whole, (uint64_t)(*p - '0')))
			goto overflow;
	}
	/* A fraction is kept in millionths so that "1.5G" is exact without floating point. */
	uint64_t frac = 0, frac_scale = 1;
	if (*p == '.') {
		p++;
		if (!g_ascii_isdigit(*p))
			goto invalid;
		for (; g_ascii_isdigit(*p); p++) {
			if (frac_scale < 1000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_scale *= 10;
			}
		}
	}
	uint64_t mult = size_multiplier(p);
	if (mult == 0)
		goto invalid;
	uint64_t bytes;
	if (!g_uint64_checked_mul(&bytes, whole, mult))
		goto overflow;
	/* frac < frac_scale <= 10^6 and mult <= 2^60: split mult to keep the product in range. */
	uint64_t frac_bytes = (mult / frac_scale) * frac + (mult % frac_scale) * frac / frac_scale;
	if (!g_uint64_checked_add(&bytes, bytes, frac_bytes))
		goto overflow;
	*out_bytes = bytes;
	return true;
invalid:
	g_set_error(error, RFS_ERROR, RFS_ERROR_INVALID,
		    "'%s' is not a size (a number with an optional K, M, G or T suffix)",
		    text != NULL ? text : "");
	return false;
overflow:
	g_set_error(error, RFS_ERROR, RFS_ERROR_INVALID, "size '%s' is too large", text);
	return false;
}

bool common_opts_parse_overwritten(const char *text, RfsOverwritePolicy *out, GError **error)
{
	static const struct {
		const char *name;
		RfsOverwritePolicy policy;
	} policies[] = { { "raw", RFS_OVERWRITTEN_RAW }, { "zero", RFS_OVERWRITTEN_ZERO },
			 { "eio", RFS_OVERWRITTEN_EIO } };
	for (size_t i = 0; text != NULL && i < G_N_ELEMENTS(policies); i++) {
		if (strcmp(text, policies[i].name) == 0) {
			*out = policies[i].policy;
			return true;
		}
	}
	return set_error(error, RFS_ERROR_INVALID, "'%s' is not raw, zero or eio",
			   text != NULL ? text : "");
}

bool common_opts_parse_snapshots(const char *text, bool *on, GError **error)
{
	if (text != NULL && (strcmp(text, "on") == 0 || strcmp(text, "off") == 0)) {
		*on = text[1] == 'n';
		return true;
	}
	return set_error(error, RFS_ERROR_INVALID, "'%s' is not on or off", text != NULL ? text : "");
}

/* ---- location --------------------------------------------------------------------------------- */

static bool parse_option_u64(const char *option, const char *text, bool with_suffix, uint64_t *out,
			     GError **error)
{
	bool ok = with_suffix ? common_opts_parse_size(text, out, error)
			      : common_opts_parse_u64(text, out, error);
	if (!ok)
		g_prefix_error(error, "--%s: ", option);
	return ok;
}

bool common_opts_location_resolve(const CommonOptsLocationArgs *args, RfsLocation *out, GError **error)
{
	*out = (RfsLocation){ 0 };
	if (args->force)
		out->flags |= RFS_CONTEXT_FORCE;
	if (args->bitlocker != NULL && strcmp(args->bitlocker, "libbde") == 0)
		out->flags |= RFS_CONTEXT_BITLOCKER_LIBBDE;
	else if (args->bitlocker != NULL && strcmp(args->bitlocker, "native") != 0)
		return set_error(error, RFS_ERROR_INVALID, "--bitlocker: '%s' is not native or libbde",
				 args->bitlocker);
	if (args->start_sector != NULL && args->offset != NULL)
		return set_error(error, RFS_ERROR_INVALID,
				   "--start-sector and --offset both say where the volume starts: give one");
	if (args->partition != NULL && (args->start_sector != NULL || args->offset != NULL))
		return set_error(error, RFS_ERROR_INVALID,
				   "--partition cannot be combined with --start-sector or --offset");
	if (args->boot_sector != NULL && args->start_sector == NULL && args->offset == NULL)
		return set_error(error, RFS_ERROR_INVALID,
				   "--boot-sector needs --start-sector (or --offset)");
	uint64_t v;
	if (args->sector_size != NULL) {
		if (!parse_option_u64("sector-size", args->sector_size, true, &v, error))
			return false;
		if (v < 512 || v > 4096 || (v & (v - 1)) != 0)
			return set_error(error, RFS_ERROR_INVALID,
					   "--sector-size: %" PRIu64 " is not 512, 1024, 2048 or 4096", v);
		out->sector_size = (uint32_t)v;
	}
	if (args->start_sector != NULL) {
		if (!parse_option_u64("start-sector", args->start_sector, false, &out->start_sector, error))
			return false;
		out->flags |= RFS_CONTEXT_DISK;
	}
	if (args->offset != NULL) {
		if (!parse_option_u64("offset", args->offset, true, &out->offset_bytes, error))
			return false;
		out->flags |= RFS_CONTEXT_DISK;
	}
	if (args->boot_sector != NULL &&
	    !parse_option_u64("boot-sector", args->boot_sector, false, &out->boot_sector, error))
		return false;
	/* RfsLocation's boot sector 0 means "the start sector", so say here what 0 would be. */
	if (args->boot_sector != NULL && out->boot_sector == 0 && (out->start_sector != 0 || out->offset_bytes != 0))
		return set_error(error, RFS_ERROR_INVALID,
				 "--boot-sector: sector 0 lies before the start of the volume");
	if (args->partition != NULL) {
		if (!parse_option_u64("partition", args->partition, false, &v, error))
			return false;
		if (v == 0 || v > UINT32_MAX)
			return set_error(error, RFS_ERROR_INVALID,
					   "--partition: partitions are numbered from 1");
		out->partition = (uint32_t)v;
	}
	return true;
}

/* Whether `loc` reads the primary boot sector, the one at the start of the volume. */
static bool location_names_primary(const RfsLocation *loc)
{
	if (loc->boot_sector == 0 || loc->offset_bytes == 0)
		return loc->boot_sector == 0 || loc->boot_sector == loc->start_sector;
	/* --offset is in bytes: compare in the sector size given, else an image file's */
	uint64_t sector_size = loc->sector_size != 0 ? loc->sector_size : 512, at;
	return g_uint64_checked_mul(&at, loc->boot_sector, sector_size) && at == loc->offset_bytes;
}

void common_opts_location_hint(GError *error, const RfsLocation *location)
{
	if (error == NULL || error->domain != RFS_ERROR)
		return;
	const char *hint = NULL;
	switch ((RfsError)error->code) {
	case RFS_ERROR_BUSY:
		hint = " (or use --force to read it anyway, read-only)";
		break;
	case RFS_ERROR_TRUNCATED:
		hint = " (--force reads what is there)";
		break;
	case RFS_ERROR_BAD_BOOT_SECTOR:
		hint = location_names_primary(location) ? "; try the backup copy in the volume's last sector (--boot-sector), or look for it with restorefs-scan --find-volumes"
			       : "; try the primary copy at the start sector (leave out --boot-sector)";
		break;
	default:
		return;
	}
	char *message = g_strconcat(error->message, hint, NULL);
	g_free(error->message);
	error->message = message;
}

void common_opts_location_args_clear(CommonOptsLocationArgs *args)
{
	g_clear_pointer(&args->start_sector, g_free);
	g_clear_pointer(&args->boot_sector, g_free);
	g_clear_pointer(&args->sector_size, g_free);
	g_clear_pointer(&args->offset, g_free);
	g_clear_pointer(&args->partition, g_free);
	g_clear_pointer(&args->bitlocker, g_free);
}

/* ---- secrets ---------------------------------------------------------------------------------- */

void common_opts_secret_args_clear(CommonOptsSecretArgs *args)
{
	g_clear_pointer(&args->password_file, g_free);
	g_clear_pointer(&args->recovery_password_file, g_free);
	g_clear_pointer(&args->startup_key, g_free);
	g_clear_pointer(&args->key_file, g_free);
	args->password_fd = -1;
}

bool common_opts_secret_given(const CommonOptsSecretArgs *args)
{
	return args->password_file != NULL || args->recovery_password_file != NULL ||
	       args->startup_key != NULL || args->key_file != NULL || args->password_fd >= 0;
}

bool common_opts_check_recovery_password(const char *text, size_t length, char out[56], GError **error)
{
	char digits[48];
	size_t n = 0;
	for (size_t i = 0; i < length; i++) {
		char c = text[i];
		if (c == '-' || g_ascii_isspace(c))
			continue;
		if (!g_ascii_isdigit(c) || n == sizeof digits) {
			explicit_bzero(digits, sizeof digits);
			return set_error(error, RFS_ERROR_INVALID,
					   "a recovery password is 48 digits in 8 groups of 6");
		}
		digits[n++] = c;
	}
	if (n != sizeof digits) {
		explicit_bzero(digits, sizeof digits);
		return set_error(error, RFS_ERROR_INVALID,
				   "a recovery password is 48 digits in 8 groups of 6 (got %zu digits)", n);
	}
	size_t o = 0;
	for (unsigned g = 0; g < 8; g++) {
		unsigned value = 0;
		for (unsigned k = 0; k < 6; k++)
			value = value * 10 + (unsigned)(digits[g * 6 + k] - '0');
		/* Each group encodes 16 key bits as value / 11. */
		if (value % 11 != 0 || value >= 720896) {
			explicit_bzero(digits, sizeof digits);
			explicit_bzero(out, 56);
			return set_error(error, RFS_ERROR_INVALID,
					   "recovery password group %u fails its checksum: check for a typo",
					   g + 1);
		}
		if (g > 0)
			out[o++] = '-';
		memcpy(out + o, digits + g * 6, 6);
		o += 6;
	}
	out[o] = '\0';
	explicit_bzero(digits, sizeof digits);
	return true;
}

enum { SECRET_MAX = 4096 };

/* One page for a secret: never swapped if mlock allows it, never in a core dump. */
typedef struct {
	uint8_t *data;
	size_t size;
} Secret;

static bool secret_alloc(Secret *s, GError **error)
{
	void *p = mmap(NULL, SECRET_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return set_error(error, RFS_ERROR_IO, "cannot allocate a page for the key: %s",
				   g_strerror(errno));
	(void)madvise(p, SECRET_MAX, MADV_DONTDUMP);
	(void)mlock(p, SECRET_MAX);
	s->data = p;
	s->size = 0;
	return true;
}

static void secret_free(Secret *s)
{
	if (s->data == NULL)
		return;
	explicit_bzero(s->data, SECRET_MAX);
	munlock(s->data, SECRET_MAX);
	munmap(s->data, SECRET_MAX);
	s->data = NULL;
	s->size = 0;
}

/* Reads from `fd` until EOF, or up to the first newline when `one_line`. */
static bool secret_read_fd(Secret *s, int fd, bool one_line, const char *what, GError **error)
{
	for (;;) {
		if (s->size == SECRET_MAX)
			return set_error(error, RFS_ERROR_INVALID, "%s: longer than %d bytes",
					   what, SECRET_MAX);
		/* One byte at a time on a line, so nothing past the newline is consumed. */
		size_t want = one_line ? 1 : SECRET_MAX - s->size;
		ssize_t n = read(fd, s->data + s->size, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return set_error(error, RFS_ERROR_IO, "%s: %s", what, g_strerror(errno));
		if (n == 0)
			break;
		if (one_line && s->data[s->size] == '\n')
			break;
		s->size += (size_t)n;
	}
	while (s->size > 0 && (s->data[s->size - 1] == '\n' || s->data[s->size - 1] == '\r'))
		s->data[--s->size] = 0;
	return true;
}

static bool secret_read_file(Secret *s, const char *path, bool one_line, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return set_error(error, RFS_ERROR_NOT_FOUND, "%s: %s", path, g_strerror(errno));
	bool ok = secret_read_fd(s, fd, one_line, path, error);
	close(fd);
	return ok;
}

/* The terminal as it was before the prompt, for a signal that arrives while echo is off. */
static struct termios prompt_saved;

static void prompt_interrupted(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &prompt_saved); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Asks on the terminal (stdin) with echo off; the prompt goes to stderr. Ctrl-C or a
 * termination signal while it waits gives the terminal its echo back. */
static bool secret_prompt(Secret *s, const char *source, GError **error)
{
	struct termios quiet;
	if (tcgetattr(STDIN_FILENO, &prompt_saved) != 0)
		return set_error(error, RFS_ERROR_IO, "cannot read the terminal: %s",
				   g_strerror(errno));
	quiet = prompt_saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	fprintf(stderr, "BitLocker password or recovery password for %s: ", source);
	fflush(stderr);
	struct sigaction restore = { .sa_handler = prompt_interrupted }, old_int, old_term, old_hup;
	sigemptyset(&restore.sa_mask);
	sigaction(SIGINT, &restore, &old_int);
	sigaction(SIGTERM, &restore, &old_term);
	sigaction(SIGHUP, &restore, &old_hup);
	bool ok = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	if (!ok)
		set_error(error, RFS_ERROR_IO, "cannot turn off echo: %s", g_strerror(errno));
	else
		ok = secret_read_fd(s, STDIN_FILENO, true, "terminal", error);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &prompt_saved);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	fputc('\n', stderr);
	return ok;
}

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (uint8_t)g_ascii_tolower((char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A key file holding 32, 64 or 128 hex digits (blanks allowed) is decoded in place; any
 * other content is taken as the raw key. */
static void secret_decode_hex_key(Secret *s)
{
	size_t digits = 0;
	for (size_t i = 0; i < s->size; i++) {
		if (g_ascii_isspace((char)s->data[i]))
			continue;
		if (hex_value(s->data[i]) < 0)
			return;
		digits++;
	}
	if (digits != 32 && digits != 64 && digits != 128)
		return;
	size_t o = 0;
	int high = -1;
	for (size_t i = 0; i < s->size; i++) {
		int v = hex_value(s->data[i]);
		if (v < 0)
			continue;
		if (high < 0) {
			high = v;
		} else {
			s->data[o++] = (uint8_t)(high << 4 | v);
			high = -1;
		}
	}
	explicit_bzero(s->data + o, SECRET_MAX - o);
	s->size = o;
}

/* Recovery passwords are checked (their per-group checksum) and put in canonical form
 * before the library sees them; a typed secret that is a valid recovery password is tried
 * as one, since the prompt asks for either. */
static bool supply(RfsContext *ctx, RfsKeyKind kind, Secret *s, bool typed, GError **error)
{
	char canonical[56] = "";
	if (kind == RFS_KEY_PASSWORD || kind == RFS_KEY_RECOVERY_PASSWORD) {
		bool recovery = common_opts_check_recovery_password(
			(const char *)s->data, s->size, canonical,
			kind == RFS_KEY_RECOVERY_PASSWORD ? error : NULL);
		if (kind == RFS_KEY_RECOVERY_PASSWORD && !recovery) {
			explicit_bzero(canonical, sizeof canonical);
			return false;
		}
		if (recovery && (kind == RFS_KEY_RECOVERY_PASSWORD || typed)) {
			kind = RFS_KEY_RECOVERY_PASSWORD;
			explicit_bzero(s->data, SECRET_MAX);
			memcpy(s->data, canonical, sizeof canonical);
			s->size = strlen(canonical);
		}
		explicit_bzero(canonical, sizeof canonical);
	}
	if (s->size == 0)
		return set_error(error, RFS_ERROR_LOCKED, "the key is empty");
	RfsDecryptionInfo info = { .kind = kind, .data = s->data, .size = s->size };
	return rfs_context_supply_decryption(ctx, &info, error);
}

/* Loads one kind of secret named in `args` and supplies it. */
static bool unlock_with(RfsContext *ctx, RfsKeyKind kind, const CommonOptsSecretArgs *args,
			GError **error)
{
	Secret s = { 0 };
	if (!secret_alloc(&s, error))
		return false;
	bool ok = false;
	switch (kind) {
	case RFS_KEY_FVEK:
		ok = secret_read_file(&s, args->key_file, false, error);
		if (ok)
			secret_decode_hex_key(&s);
		break;
	case RFS_KEY_STARTUP_KEY:
		/* The library reads the .BEK itself from its path; checked here for a clear message. */
		if (access(args->startup_key, R_OK) != 0) {
			ok = set_error(error, RFS_ERROR_NOT_FOUND, "%s: %s", args->startup_key,
					   g_strerror(errno));
			break;
		}
		s.size = g_strlcpy((char *)s.data, args->startup_key, SECRET_MAX);
		ok = s.size < SECRET_MAX ||
		     set_error(error, RFS_ERROR_INVALID, "%s: path too long", args->startup_key);
		break;
	case RFS_KEY_RECOVERY_PASSWORD:
		ok = secret_read_file(&s, args->recovery_password_file, true, error);
		break;
	case RFS_KEY_PASSWORD:
		ok = args->password_file != NULL
			     ? secret_read_file(&s, args->password_file, true, error)
			     : secret_read_fd(&s, args->password_fd, true, "--password-fd", error);
		break;
	}
	if (ok)
		ok = supply(ctx, kind, &s, false, error);
	secret_free(&s);
	return ok;
}

bool common_opts_unlock(RfsContext *ctx, const char *source, const CommonOptsSecretArgs *args,
			bool may_prompt, GError **error)
{
	if (!rfs_context_needs_decryption(ctx))
		return true;
	static const struct {
		RfsKeyKind kind;
		size_t offset;
	} order[] = {
		{ RFS_KEY_FVEK, G_STRUCT_OFFSET(CommonOptsSecretArgs, key_file) },
		{ RFS_KEY_STARTUP_KEY, G_STRUCT_OFFSET(CommonOptsSecretArgs, startup_key) },
		{ RFS_KEY_RECOVERY_PASSWORD, G_STRUCT_OFFSET(CommonOptsSecretArgs, recovery_password_file) },
		{ RFS_KEY_PASSWORD, G_STRUCT_OFFSET(CommonOptsSecretArgs, password_file) },
	};
	bool tried = false;
	g_autoptr(GError) last = NULL;
	/* Key material must not reach a core dump: neither ours nor the copies libbde keeps. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Each named secret is tried in turn; the last failure is the one reported. Once one
	 * unlocked the volume, a later failure (no NTFS inside) is the answer, not a cue. */
	for (size_t i = 0; i < G_N_ELEMENTS(order) && rfs_context_needs_decryption(ctx); i++) {
		const char *named = G_STRUCT_MEMBER(const char *, args, order[i].offset);
		bool fd_password = order[i].kind == RFS_KEY_PASSWORD && args->password_fd >= 0;
		if (named == NULL && !fd_password)
			continue;
		tried = true;
		g_clear_error(&last);
		if (unlock_with(ctx, order[i].kind, args, &last))
			return true;
	}
	if (tried) {
		g_propagate_error(error, g_steal_pointer(&last));
		return false;
	}
	if (!may_prompt || !isatty(STDIN_FILENO))
		return set_error(error, RFS_ERROR_LOCKED,
				   "%s is BitLocker-encrypted: give --password-file, --recovery-password-file, "
				   "--startup-key, --key-file or --password-fd",
				   source);
	/* A wrong key may be typed again, three tries in all (as cryptsetup allows). */
	for (int attempt = 1;; attempt++) {
		Secret s = { 0 };
		if (!secret_alloc(&s, error))
			return false;
		g_autoptr(GError) local = NULL;
		bool ok = secret_prompt(&s, source, &local) && supply(ctx, RFS_KEY_PASSWORD, &s, true, &local);
		secret_free(&s);
		if (ok)
			return true;
		if (attempt >= COMMON_OPTS_PROMPT_TRIES || !g_error_matches(local, RFS_ERROR, RFS_ERROR_LOCKED) ||
		    !rfs_context_needs_decryption(ctx)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return false;
		}
		fprintf(stderr, "%s; try again\n", local->message);
	}
}
