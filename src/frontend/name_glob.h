/* Globs on entry names as Windows users think of them: NTFS names are case-insensitive, so
 * by default a glob matches whatever the case (Unicode case folding, not ASCII only: '*.jpg'
 * matches IMG_0001.JPG, 'straße*' matches STRASSE.txt), after both sides are put in NFC. A glob
 * holding a '/' matches the end of the tree path ("Desktop/?*" matches /Users/ann/Desktop/a.txt),
 * or the whole path when it starts with '/'.
 *
 * Syntax: '*' any run of characters (also '/'), '?' one character, '[abc]', '[a-z]', '[!x]'
 * (or '[^x]') one of a set, '\' quotes the next character. Characters, not bytes. */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct NameGlob NameGlob;

/* Never fails: an unterminated '[' is an ordinary character, as in fnmatch(3). */
NameGlob *name_glob_new(const char *pattern, bool case_sensitive);
void name_glob_free(NameGlob *glob);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NameGlob, name_glob_free)

/* Whether the glob holds a '/', and so matches paths rather than names. */
bool name_glob_wants_path(const NameGlob *glob);
/* Matches `text`: a name, or with name_glob_wants_path() a tree path ("/a/b/name"). Bytes
 * that are not UTF-8 never match a wildcard class but do not stop the rest from matching. */
bool name_glob_match(const NameGlob *glob, const char *text);
