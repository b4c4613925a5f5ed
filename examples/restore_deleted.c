/* restore_deleted: the restorefs library in one page. Lists the deleted files of an NTFS
 * volume, then copies one of them out.
 *
 *   cc restore_deleted.c $(pkg-config --cflags --libs restorefs) -o restore_deleted
 *   ./restore_deleted disk.img                        # print the deleted paths
 *   ./restore_deleted disk.img /docs/report.txt out.txt  # and restore one file */
#include <restorefs/restorefs.h>
#include <stdio.h>
#include <string.h>

static bool print_deleted(const RfsEntryInfo *info, void *user_data)
{
	const RfsContext *ctx = user_data;
	if ((info->flags & RFS_ENTRY_REMOVED) && !(info->flags & RFS_ENTRY_DIRECTORY)) {
		g_autofree char *path = rfs_context_entry_path(ctx, info->id);
		printf("%3u%%  %10llu  %s\n", rfs_entry_recoverable_percent(info),
		       (unsigned long long)info->size_bytes, path);
	}
	return true; /* go on */
}

/* "/dir/name" in the restorefs tree -> its entry, one component at a time. */
static const RfsEntryInfo *lookup_path(const RfsContext *ctx, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	const RfsEntryInfo *entry = rfs_context_lookup(ctx, RFS_ENTRY_ROOT);
	for (size_t i = 0; entry != NULL && parts[i] != NULL; i++)
		if (parts[i][0] != '\0')
			entry = rfs_context_lookup_child(ctx, entry->id, parts[i]);
	return entry;
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: %s SOURCE [PATH DEST]\n", argv[0]);
		return 1;
	}
	g_autoptr(GError) error = NULL;
	g_autoptr(RfsContext) ctx = rfs_context_create(argv[1], NULL, RESTOREFS_API_VERSION, &error);
	if (ctx == NULL || rfs_context_needs_decryption(ctx)) {
		fprintf(stderr, "%s: %s\n", argv[1], ctx ? "BitLocker: needs a key" : error->message);
		return 2;
	}
	if (!rfs_context_scan(ctx, RFS_SCAN_DEFAULT, NULL, NULL, &error)) {
		fprintf(stderr, "%s: %s\n", argv[1], error->message);
		return 3;
	}
	rfs_context_foreach(ctx, print_deleted, ctx);
	if (argc == 2)
		return 0;

	const RfsEntryInfo *entry = lookup_path(ctx, argv[2]);
	if (entry == NULL) {
		fprintf(stderr, "%s: no such deleted file\n", argv[2]);
		return 4;
	}
	/* Written under a temporary name beside DEST, renamed once complete. */
	g_autofree char *partial = g_strdup_printf("%s.partial", argv[3]);
	uint64_t bad_bytes = 0;
	if (!rfs_context_restore(ctx, entry->id, argv[3], partial, NULL, NULL, NULL, &bad_bytes,
				 &error)) {
		fprintf(stderr, "%s: %s\n", argv[2], error->message);
		return 4;
	}
	printf("restored %s to %s (%s, %llu bytes unreadable)\n", argv[2], argv[3],
	       rfs_entry_state_name(rfs_entry_state(entry)), (unsigned long long)bad_bytes);
	return 0;
}
