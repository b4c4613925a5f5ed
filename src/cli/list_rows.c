/* The rows of a listing formatted on every core: the selection is cut into batches, each
 * formatted into a buffer of its own by one thread, and the buffers are written in order.
 * The index is immutable after the scan and the formatters are pure, so the threads share
 * nothing but the read-only context. */
#define G_LOG_DOMAIN "restorefs-cli"

#include "list_rows.h"

enum {
	BATCH_ROWS_MAX = 2048,
	BATCH_ROWS_MIN = 16,
	THREADS_MAX = 16,
};

typedef struct {
	const RfsContext *ctx;
	const ListFormatWriter *w;
	const GPtrArray *selected;
	bool no_directories;
	guint from, to;   /* the batch: selected[from, to) */
	GString *text;
	uint64_t rows;
} Batch;

void list_rows_paths(const RfsContext *ctx, const RfsEntryInfo *e, GString *path, GString *original)
{
	g_string_truncate(path, 0);
	g_string_truncate(original, 0);
	rfs_context_append_path(ctx, e, false, path);
	rfs_context_append_path(ctx, e, true, original);
}

static void list_row(Batch *b, const RfsEntryInfo *e, GString *path, GString *original)
{
	list_rows_paths(b->ctx, e, path, original);
	ListFormatRow row = {
		.info = e,
		.path = path->str,
		.original_path = original->str,
		.recoverable_percent = rfs_entry_recoverable_percent(e),
	};
	list_format_writer_format(b->w, b->text, &row);
	b->rows++;
}

static gpointer format_batch(gpointer data)
{
	Batch *b = data;
	g_autoptr(GString) path = g_string_sized_new(256);
	g_autoptr(GString) original = g_string_sized_new(256);
	g_string_truncate(b->text, 0);
	b->rows = 0;
	for (guint i = b->from; i < b->to; i++) {
		const RfsEntryInfo *e = g_ptr_array_index(b->selected, i);
		if (!(b->no_directories && (e->flags & RFS_ENTRY_DIRECTORY)))
			list_row(b, e, path, original);
	}
	return NULL;
}

void list_rows_write(const RfsContext *ctx, const GPtrArray *selected, bool no_directories,
		     ListFormatWriter *w)
{
	guint threads = CLAMP(g_get_num_processors(), 1, THREADS_MAX);
	/* a few batches a thread, so that short listings take the same way as long ones */
	guint batch_rows = CLAMP(selected->len / (4 * threads), BATCH_ROWS_MIN, BATCH_ROWS_MAX);
	Batch batches[THREADS_MAX];
	for (guint t = 0; t < threads; t++)
		batches[t] = (Batch){ .ctx = ctx, .w = w, .selected = selected,
				      .no_directories = no_directories,
				      .text = g_string_sized_new(batch_rows * 256) };
	/* Rounds of one batch per thread; this thread formats the first of each round. */
	for (guint start = 0; start < selected->len;) {
		GThread *helpers[THREADS_MAX] = { NULL };
		guint used = 0;
		for (; used < threads && start < selected->len; used++) {
			batches[used].from = start;
			batches[used].to = MIN(start + batch_rows, selected->len);
			start = batches[used].to;
			if (used > 0)
				helpers[used] = g_thread_new("list-rows", format_batch, &batches[used]);
		}
		format_batch(&batches[0]);
		for (guint t = 0; t < used; t++) {
			if (helpers[t] != NULL)
				g_thread_join(helpers[t]);
			list_format_writer_text(w, batches[t].text, batches[t].rows);
		}
	}
	for (guint t = 0; t < threads; t++)
		g_string_free(batches[t].text, TRUE);
}
