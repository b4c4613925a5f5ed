/* E01 (Expert Witness) images through libewf, split segments (.E01, .E02, ...) found from
 * the first one. libewf and its error objects never leave this file; the handle is opened
 * read-only. libewf's handle is not thread-safe: image_source.c serialises every read
 * with the source's mutex.
 * libewf (20140813 in Debian) carries its own older copies of libbfio, libcdata and the
 * other libyal helpers and exports them; linked into the process beside libbde and
 * libbfio, its calls bind to their newer copies and it crashes on close. So it is loaded
 * into a link-map namespace of its own (dlmopen), where it sees only its own copies. */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "restorefs-device"

#include "device/image_backend.h"
#include "device/image_format.h"
#include "util/error.h"

#include <dlfcn.h>
#include <libewf.h>
#include <string.h>

#define EWF_LIBRARY "libewf.so.2"

/* The libewf functions this file calls, from its own namespace. */
static struct {
	__typeof__(libewf_glob) *glob;
	__typeof__(libewf_glob_free) *glob_free;
	__typeof__(libewf_error_backtrace_sprint) *error_backtrace_sprint;
	__typeof__(libewf_error_free) *error_free;
	__typeof__(libewf_handle_initialize) *handle_initialize;
	__typeof__(libewf_handle_open) *handle_open;
	__typeof__(libewf_handle_close) *handle_close;
	__typeof__(libewf_handle_free) *handle_free;
	__typeof__(libewf_handle_read_random) *handle_read_random;
	__typeof__(libewf_handle_get_media_size) *handle_get_media_size;
	__typeof__(libewf_handle_get_bytes_per_sector) *handle_get_bytes_per_sector;
} ewf;

static char *ewf_load_error;

#define EWF_SYM(lib, field) \
	((*(void **)&ewf.field = dlsym(lib, "libewf_" #field)) != NULL)

static gpointer ewf_load_once(gpointer unused)
{
	void *lib = dlmopen(LM_ID_NEWLM, EWF_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		ewf_load_error = g_strdup(dlerror());
		return NULL;
	}
	if (!EWF_SYM(lib, glob) || !EWF_SYM(lib, glob_free) || !EWF_SYM(lib, error_backtrace_sprint) ||
	    !EWF_SYM(lib, error_free) || !EWF_SYM(lib, handle_initialize) ||
	    !EWF_SYM(lib, handle_open) || !EWF_SYM(lib, handle_close) || !EWF_SYM(lib, handle_free) ||
	    !EWF_SYM(lib, handle_read_random) || !EWF_SYM(lib, handle_get_media_size) ||
	    !EWF_SYM(lib, handle_get_bytes_per_sector)) {
		ewf_load_error = g_strdup(dlerror());
		return NULL;
	}
	return lib; /* stays loaded for the life of the process */
}

static bool ewf_load(GError **error)
{
	static GOnce once = G_ONCE_INIT;
	if (g_once(&once, ewf_load_once, NULL) != NULL)
		return true;
	return rfs_set_unsupported(error, "E01 images need %s: %s", EWF_LIBRARY,
				   ewf_load_error != NULL ? ewf_load_error : "cannot load it");
}

typedef struct {
	ImageBackendSource base;
	libewf_handle_t *handle;
} EwfSource;

static char *ewf_error_text(libewf_error_t *err)
{
	char buf[4096] = "";
	if (err != NULL)
		ewf.error_backtrace_sprint(err, buf, sizeof buf);
	ewf.error_free(&err);
	return image_backend_error_text(buf);
}

static ssize_t ewf_read_raw(ImageBackendSource *self, uint64_t offset, void *buf, size_t length,
			    char **message)
{
	EwfSource *src = (EwfSource *)self;
	libewf_error_t *err = NULL;
	ssize_t n = ewf.handle_read_random(src->handle, buf, length, (off64_t)offset, &err);
	if (n < 0)
		*message = ewf_error_text(err);
	return n;
}

static void ewf_free_handles(ImageBackendSource *self)
{
	EwfSource *src = (EwfSource *)self;
	if (src->handle != NULL) {
		ewf.handle_close(src->handle, NULL);
		ewf.handle_free(&src->handle, NULL);
	}
}

/* The name segment `number` (1-based, 1..99) would have next to `first` (".E01" -> ".E02",
 * ".e01" -> ".e02"), NULL if `first` does not end in such a number. */
static char *segment_name(const char *first, int number)
{
	size_t len = strlen(first);
	if (number < 1 || number > 99 || len < 4 || first[len - 4] != '.' || !g_ascii_isdigit(first[len - 2]) ||
	    !g_ascii_isdigit(first[len - 1]))
		return NULL;
	char *name = g_strdup(first);
	name[len - 2] = (char)('0' + number / 10);
	name[len - 1] = (char)('0' + number % 10);
	return name;
}

/* Whether segment file `path` ends its set: its chain of sections ends in "done", where a
 * segment with a successor ends in "next". Walked by hand because libewf opens a set cut
 * after any segment without a word and reads zeros in place of the rest. */
static bool segment_is_last(const char *path, bool *last, GError **error)
{
	g_autoptr(GError) local = NULL;
	BlockSource *file = file_source_open(path, FILE_SOURCE_SHARED, &local);
	uint64_t offset = EWF_SEGMENT_HEADER_SIZE;
	bool ok = file != NULL;
	uint8_t magic[4];
	*last = false;
	/* Ex01 (EWF2) sections are laid out otherwise; libewf alone judges those sets. */
	if (ok && block_source_read(file, 0, magic, sizeof magic, NULL) && memcmp(magic, "EVF2", 4) == 0) {
		*last = true;
		block_source_close(file);
		return true;
	}
	for (unsigned i = 0; ok && i < 1u << 20; i++) {
		uint8_t raw[EWF_SECTION_DESCRIPTOR_SIZE];
		EwfSection section;
		ok = block_source_read(file, offset, raw, sizeof raw, &local) &&
		     image_format_ewf_section_parse(byte_span(raw, sizeof raw), &section);
		if (ok && (strcmp(section.type, "done") == 0 || strcmp(section.type, "next") == 0)) {
			*last = section.type[0] == 'd';
			block_source_close(file);
			return true;
		}
		/* Sections only go forward; anything else would loop. */
		ok = ok && section.next_offset > offset;
		offset = section.next_offset;
	}
	block_source_close(file);
	return rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: E01 segment cut short or damaged (no closing section)",
			     path);
}

/* libewf_glob stops at the first segment that is not there; libewf itself says nothing
 * of a gap or of a set cut short. */
static bool check_segments(const char *path, char **names, int found, GError **error)
{
	int last = found;
	bool complete = false;
	if (found < 1 || !segment_is_last(names[found - 1], &complete, error))
		return found < 1 ? rfs_set_io(error, "%s: no E01 segments", path) : false;
	if (complete)
		return true;
	for (int k = found + 1; k <= 99; k++) {
		g_autofree char *name = segment_name(path, k);
		if (name != NULL && g_file_test(name, G_FILE_TEST_IS_REGULAR))
			last = k;
	}
	g_autofree char *missing = segment_name(path, found + 1);
	g_autofree char *missing_base = missing != NULL ? g_path_get_basename(missing)
						       : g_strdup_printf("segment %d", found + 1);
	g_autofree char *first_base = g_path_get_basename(path);
	if (last > found)
		return rfs_set_error(error, RFS_ERROR_NOT_FOUND, "E01 segment %d of %d is missing: %s next to %s",
				     found + 1, last, missing_base, first_base);
	return rfs_set_error(error, RFS_ERROR_NOT_FOUND, "E01 segment %d of at least %d is missing: %s next to %s",
			     found + 1, found + 1, missing_base, first_base);
}

static bool ewf_open_segments(EwfSource *src, const char *path, GError **error)
{
	libewf_error_t *err = NULL;
	char **names = NULL;
	int count = 0;
	if (ewf.glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names, &count, &err) != 1) {
		g_autofree char *text = ewf_error_text(err);
		return rfs_set_unsupported(error, "%s: E01 segments are found by their names (.E01, .E02, ...): %s",
					   path, text);
	}
	bool ok = check_segments(path, names, count, error);
	if (ok && (ewf.handle_initialize(&src->handle, &err) != 1 ||
		   ewf.handle_open(src->handle, names, count, LIBEWF_OPEN_READ, &err) != 1)) {
		g_autofree char *text = ewf_error_text(err);
		ok = rfs_set_unsupported(error, "%s: libewf cannot open this E01/Ex01 image: %s", path,
					 text);
	}
	ewf.glob_free(names, count, NULL);
	return ok;
}

BlockSource *ewf_source_open(const char *path, GError **error)
{
	EwfSource *src = g_new0(EwfSource, 1);
	src->base.path = g_strdup(path);
	src->base.format_name = "E01";
	src->base.read_raw = ewf_read_raw;
	src->base.free_handles = ewf_free_handles;
	g_mutex_init(&src->base.lock);
	libewf_error_t *err = NULL;
	size64_t media_size = 0;
	uint32_t sector_size = 0;
	if (!ewf_load(error) || !ewf_open_segments(src, path, error)) {
		image_backend_free(&src->base);
		return NULL;
	}
	if (ewf.handle_get_media_size(src->handle, &media_size, &err) != 1 ||
	    ewf.handle_get_bytes_per_sector(src->handle, &sector_size, &err) != 1) {
		g_autofree char *text = ewf_error_text(err);
		rfs_set_error(error, RFS_ERROR_CORRUPT, "%s: E01 media size: %s", path, text);
		image_backend_free(&src->base);
		return NULL;
	}
	return image_backend_finish(&src->base, media_size, sector_size, error);
}
