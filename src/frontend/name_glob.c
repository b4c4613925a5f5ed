/* Case-insensitive, Unicode-aware globbing on names and path tails. The pattern is folded
 * once; each name is folded and matched as code points. Owns no state beyond the compiled
 * pattern, which is immutable and so safe to share between threads. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "name_glob.h"

#include <string.h>

struct NameGlob {
	gunichar *pattern; /* folded (or as given), NUL-terminated */
	glong length;
	bool case_sensitive;
	bool wants_path;
	bool anchored; /* starts with '/': the whole path */
};

/* The string as code points: valid UTF-8 (bad bytes become U+FFFD), in NFC, and case
 * folded unless `case_sensitive`. */
static gunichar *fold_text(const char *text, bool case_sensitive, glong *length)
{
	/* Most names are ASCII: already NFC, and folded by tolower alone. */
	size_t n = 0;
	while (text[n] != '\0' && (unsigned char)text[n] < 0x80)
		n++;
	if (text[n] == '\0') {
		gunichar *out = g_new(gunichar, n + 1);
		for (size_t i = 0; i < n; i++)
			out[i] = (gunichar)(case_sensitive ? text[i] : g_ascii_tolower(text[i]));
		out[n] = 0;
		*length = (glong)n;
		return out;
	}
	g_autofree char *valid = g_utf8_make_valid(text, -1);
	g_autofree char *folded = case_sensitive ? NULL : g_utf8_casefold(valid, -1);
	g_autofree char *nfc = g_utf8_normalize(folded != NULL ? folded : valid, -1,
						G_NORMALIZE_DEFAULT_COMPOSE);
	return g_utf8_to_ucs4_fast(nfc != NULL ? nfc : valid, -1, length);
}

NameGlob *name_glob_new(const char *pattern, bool case_sensitive)
{
	g_return_val_if_fail(pattern != NULL, NULL);
	NameGlob *g = g_new0(NameGlob, 1);
	g->case_sensitive = case_sensitive;
	g->pattern = fold_text(pattern, case_sensitive, &g->length);
	g->wants_path = strchr(pattern, '/') != NULL;
	g->anchored = pattern[0] == '/';
	return g;
}

void name_glob_free(NameGlob *glob)
{
	if (glob == NULL)
		return;
	g_free(glob->pattern);
	g_free(glob);
}

bool name_glob_wants_path(const NameGlob *glob)
{
	return glob->wants_path;
}

/* Matches the set starting after '[' at p[0] against c. Sets *end to the character after
 * ']'; returns -1 when the set is not closed (the '[' is then literal). */
static int match_set(const gunichar *p, gunichar c, const gunichar **end)
{
	bool negate = *p == '!' || *p == '^';
	if (negate)
		p++;
	bool found = false;
	bool first = true;
	for (; *p != 0 && (first || *p != ']'); first = false) {
		gunichar lo = *p++;
		if (lo == '\\' && *p != 0)
			lo = *p++;
		gunichar hi = lo;
		if (*p == '-' && p[1] != 0 && p[1] != ']') {
			hi = p[1];
			p += 2;
			if (hi == '\\' && *p != 0)
				hi = *p++;
		}
		if (c >= lo && c <= hi)
			found = true;
	}
	if (*p != ']')
		return -1;
	*end = p + 1;
	return found != negate;
}

/* One character of the pattern at *pp against c; advances *pp past it. */
static bool match_one(const gunichar **pp, gunichar c)
{
	const gunichar *p = *pp;
	if (*p == '?') {
		*pp = p + 1;
		return true;
	}
	if (*p == '[') {
		const gunichar *end = NULL;
		int r = match_set(p + 1, c, &end);
		if (r >= 0) {
			*pp = end;
			return r == 1;
		}
	}
	if (*p == '\\' && p[1] != 0)
		p++;
	*pp = p + 1;
	return *p == c;
}

/* Glob match with one backtracking point per '*', as shells do: linear in practice. */
static bool match_ucs4(const gunichar *p, const gunichar *t)
{
	const gunichar *star_p = NULL, *star_t = NULL;
	while (*t != 0) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_t = t;
			continue;
		}
		const gunichar *next = p;
		if (*p != 0 && match_one(&next, *t)) {
			p = next;
			t++;
			continue;
		}
		if (star_p == NULL)
			return false;
		p = star_p;
		t = ++star_t;
	}
	while (*p == '*')
		p++;
	return *p == 0;
}

bool name_glob_match(const NameGlob *glob, const char *text)
{
	if (text == NULL)
		return false;
	glong length = 0;
	g_autofree gunichar *t = fold_text(text, glob->case_sensitive, &length);
	if (!glob->wants_path || glob->anchored)
		return match_ucs4(glob->pattern, t);
	/* A relative glob matches any tail of the path that starts a component. */
	for (glong i = 0; i < length; i++) {
		if (t[i] == '/' && match_ucs4(glob->pattern, t + i + 1))
			return true;
	}
	return t[0] != '/' && match_ucs4(glob->pattern, t);
}
