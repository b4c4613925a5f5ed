/* Terminal progress bars for the front ends; silent when stderr is not a terminal, so logs
 * and pipes stay clean. The library never draws: it calls an RfsProgressFunc. */
#define G_LOG_DOMAIN "restorefs-frontend"

#include "progress.h"

#include <glib.h>
#include <unistd.h>

enum {
	PROGRESS_BAR_WIDTH = 30,
	PROGRESS_REDRAW_US = 100000, /* at most ten redraws a second */
};

struct Progress {
	FILE *stream;
	char *label;
	char *unit_name;
	ProgressUnit unit;
	uint64_t total;
	uint64_t done;
	gint64 start_us;
	gint64 last_draw_us;
	bool enabled;
	bool drawn;
};

Progress *progress_new_on(FILE *stream, bool enabled, const char *label, uint64_t total,
			  ProgressUnit unit, const char *unit_name)
{
	Progress *p = g_new0(Progress, 1);
	p->stream = stream;
	p->label = g_strdup(label);
	p->unit_name = g_strdup(unit_name != NULL ? unit_name : "");
	p->unit = unit;
	p->total = total;
	p->start_us = g_get_monotonic_time();
	p->enabled = enabled && stream != NULL;
	return p;
}

Progress *progress_new(const char *label, uint64_t total, ProgressUnit unit, const char *unit_name)
{
	bool enabled = isatty(STDERR_FILENO) && g_getenv("RESTOREFS_NO_PROGRESS") == NULL;
	return progress_new_on(stderr, enabled, label, total, unit, unit_name);
}

void progress_set_total(Progress *p, uint64_t total)
{
	if (p != NULL)
		p->total = total;
}

static void format_amount(char *buf, size_t size, ProgressUnit unit, double v)
{
	if (unit == PROGRESS_BYTES) {
		g_autofree char *s = g_format_size_full((guint64)v, G_FORMAT_SIZE_IEC_UNITS);
		g_strlcpy(buf, s, size);
	} else {
		g_snprintf(buf, size, "%.0f", v);
	}
}

char *progress_line(const Progress *p, double elapsed_seconds)
{
	double frac = p->total > 0 ? (double)p->done / (double)p->total : 0.0;
	if (frac > 1.0)
		frac = 1.0;
	char bar[PROGRESS_BAR_WIDTH + 1];
	int fill = (int)(frac * PROGRESS_BAR_WIDTH);
	for (int i = 0; i < PROGRESS_BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[PROGRESS_BAR_WIDTH] = '\0';
	char done[32], total[32], rate[32];
	format_amount(done, sizeof done, p->unit, (double)p->done);
	format_amount(total, sizeof total, p->unit, (double)p->total);
	format_amount(rate, sizeof rate, p->unit,
		      elapsed_seconds > 0 ? (double)p->done / elapsed_seconds : 0.0);
	const char *space = p->unit_name[0] != '\0' ? " " : "";
	return g_strdup_printf("%s [%s] %3d%% %s/%s%s%s, %s%s%s/s", p->label, bar, (int)(frac * 100),
			       done, total, space, p->unit_name, rate, space, p->unit_name);
}

static void draw(Progress *p, gint64 now)
{
	g_autofree char *line = progress_line(p, (double)(now - p->start_us) / 1e6);
	fprintf(p->stream, "\r%s\033[K", line);
	fflush(p->stream);
	p->drawn = true;
	p->last_draw_us = now;
}

void progress_update(Progress *p, uint64_t done)
{
	if (p == NULL)
		return;
	p->done = done;
	if (!p->enabled)
		return;
	gint64 now = g_get_monotonic_time();
	if (now - p->last_draw_us >= PROGRESS_REDRAW_US || (p->total > 0 && done >= p->total && !p->drawn))
		draw(p, now);
}

void progress_callback(uint64_t done, uint64_t total, void *user_data)
{
	Progress *p = user_data;
	if (p != NULL && total != 0)
		p->total = total;
	progress_update(p, done);
}

void progress_free(Progress *p)
{
	if (p == NULL)
		return;
	if (p->drawn) {
		fputs("\r\033[K", p->stream);
		fflush(p->stream);
	}
	g_free(p->label);
	g_free(p->unit_name);
	g_free(p);
}

void scan_progress_init(ScanProgress *sp, const RfsContext *ctx, bool enabled)
{
	*sp = (ScanProgress){ .ctx = ctx, .enabled = enabled, .phase = -1 };
}

void scan_progress_callback(uint64_t done, uint64_t total, void *user_data)
{
	ScanProgress *sp = user_data;
	if (!sp->enabled)
		return;
	RfsScanPhase phase = rfs_context_scan_phase(sp->ctx);
	if ((int)phase != sp->phase) {
		progress_free(sp->bar);
		switch (phase) {
		case RFS_SCAN_PHASE_SWEEP:
			sp->bar = progress_new("sweeping free space", total, PROGRESS_BYTES, "");
			break;
		case RFS_SCAN_PHASE_SNAPSHOTS:
			sp->bar = progress_new("scanning shadow copies", total, PROGRESS_COUNT, "copies");
			break;
		case RFS_SCAN_PHASE_MFT:
		default:
			sp->bar = progress_new("scanning MFT", total, PROGRESS_COUNT, "records");
			break;
		}
		sp->phase = (int)phase;
	}
	progress_callback(done, total, sp->bar);
}

void scan_progress_clear(ScanProgress *sp)
{
	progress_free(sp->bar);
	sp->bar = NULL;
}
