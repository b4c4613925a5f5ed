/* lznt1_decompress: chunks built token by token (with the token values written out, so the
 * position-dependent offset/length split is checked independently), uncompressed and
 * short chunks, truncated and corrupt input, and round trips through the small greedy
 * compressor in fixture_lznt1.h. */
#define G_LOG_DOMAIN "restorefs-test"

#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "fixture_lznt1.h"
#include "ntfs/lznt1.h"
#include "util/error.h"

enum { CHUNK = 4096 };

/* ---- building chunks by hand -------------------------------------------------------------- */

typedef struct {
	uint8_t buf[2 * CHUNK + 16];
	size_t len;        /* bytes used in buf, the 2-byte header included */
	size_t flag_at;    /* the current flag byte */
	unsigned bits;     /* tokens in the current flag group */
} Builder;

static void b_start(Builder *b)
{
	memset(b, 0, sizeof *b);
	b->len = 2;
	b->bits = 8;
}

static void b_slot(Builder *b, bool is_match)
{
	if (b->bits == 8) {
		b->flag_at = b->len++;
		b->buf[b->flag_at] = 0;
		b->bits = 0;
	}
	if (is_match)
		b->buf[b->flag_at] |= (uint8_t)(1u << b->bits);
	b->bits++;
}

static void b_literals(Builder *b, const char *text)
{
	for (const char *p = text; *p; p++) {
		b_slot(b, false);
		b->buf[b->len++] = (uint8_t)*p;
	}
}

static void b_token(Builder *b, uint16_t token)
{
	b_slot(b, true);
	le16_put(b->buf + b->len, token);
	b->len += 2;
}

/* Writes the compressed-chunk header; returns the chunk's size in bytes. */
static size_t b_finish(Builder *b)
{
	le16_put(b->buf, (uint16_t)(0xB000 | (b->len - 2 - 1)));
	return b->len;
}

static size_t decompress_ok(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size)
{
	size_t got = SIZE_MAX;
	g_autoptr(GError) error = NULL;
	cr_assert(lznt1_decompress(byte_span(in, in_size), out, out_size, &got, &error), "%s",
		  error ? error->message : "");
	cr_assert(got <= out_size);
	return got;
}

static void expect_corrupt(const uint8_t *in, size_t in_size, size_t out_size, const char *words)
{
	g_autofree uint8_t *out = g_malloc(out_size ? out_size : 1);
	size_t got = 0;
	g_autoptr(GError) error = NULL;
	cr_assert_not(lznt1_decompress(byte_span(in, in_size), out, out_size, &got, &error));
	cr_assert(g_error_matches(error, RFS_ERROR, RFS_ERROR_CORRUPT));
	cr_assert(strstr(error->message, words) != NULL, "\"%s\" lacks \"%s\"", error->message, words);
}

Test(lznt1, literals)
{
	static const uint8_t in[] = { 0x03, 0xB0, 0x00, 'a', 'b', 'c' };
	uint8_t out[16];
	cr_assert_eq(decompress_ok(in, sizeof in, out, sizeof out), 3);
	cr_assert_eq(memcmp(out, "abc", 3), 0);
}

Test(lznt1, back_reference)
{
	/* offset 3 (stored 2), length 6 (stored 3), 4 offset bits at position 3 */
	static const uint8_t in[] = { 0x05, 0xB0, 0x08, 'a', 'b', 'c', 0x03, 0x20 };
	uint8_t out[16];
	cr_assert_eq(decompress_ok(in, sizeof in, out, sizeof out), 9);
	cr_assert_eq(memcmp(out, "abcabcabc", 9), 0);
}

Test(lznt1, overlapping_back_reference_repeats)
{
	static const uint8_t in[] = { 0x03, 0xB0, 0x02, 'a', 0x06, 0x00 }; /* offset 1, length 9 */
	uint8_t out[16];
	cr_assert_eq(decompress_ok(in, sizeof in, out, sizeof out), 10);
	cr_assert_eq(memcmp(out, "aaaaaaaaaa", 10), 0);
}

/* At position 16 the token still has 4 offset bits; at 17 it has 5. The same token read
 * with the wrong split would point elsewhere and copy a different length. */
Test(lznt1, split_moves_at_position_17)
{
	uint8_t out[64];
	Builder b;
	b_start(&b);
	b_literals(&b, "0123456789abcdef");
	b_token(&b, (15u << 12) | 1); /* offset 16, length 4 */
	size_t n = b_finish(&b);
	cr_assert_eq(decompress_ok(b.buf, n, out, sizeof out), 20);
	cr_assert_eq(memcmp(out, "0123456789abcdef0123", 20), 0);

	b_start(&b);
	b_literals(&b, "0123456789abcdefg");
	b_token(&b, (16u << 11) | 1); /* offset 17, length 4 */
	n = b_finish(&b);
	cr_assert_eq(decompress_ok(b.buf, n, out, sizeof out), 21);
	cr_assert_eq(memcmp(out, "0123456789abcdefg0123", 21), 0);

	b_start(&b);
	b_literals(&b, "0123456789abcdefg");
	b_token(&b, (1u << 11) | 0x7FF); /* offset 2, length 2050: the longest at 5 bits */
	n = b_finish(&b);
	g_autofree uint8_t *big = g_malloc(CHUNK);
	cr_assert_eq(decompress_ok(b.buf, n, big, CHUNK), 17 + 2050);
	for (size_t i = 17; i < 17 + 2050; i++)
		cr_assert_eq(big[i], (i - 17) % 2 == 0 ? 'f' : 'g', "byte %zu", i);
}

Test(lznt1, split_deep_in_the_chunk)
{
	char text[101];
	for (int i = 0; i < 100; i++)
		text[i] = (char)('A' + i % 50 + (i >= 50));
	text[100] = '\0';
	Builder b;
	b_start(&b);
	b_literals(&b, text);
	b_token(&b, (99u << 9) | 2); /* position 100: 7 offset bits; offset 100, length 5 */
	size_t n = b_finish(&b);
	uint8_t out[128];
	cr_assert_eq(decompress_ok(b.buf, n, out, sizeof out), 105);
	cr_assert_eq(memcmp(out + 100, text, 5), 0);
}

Test(lznt1, uncompressed_chunk_is_copied)
{
	g_autofree uint8_t *in = g_malloc(2 + CHUNK);
	g_autofree uint8_t *out = g_malloc(CHUNK);
	le16_put(in, 0x3FFF);
	for (size_t i = 0; i < CHUNK; i++)
		in[2 + i] = (uint8_t)(i * 31);
	cr_assert_eq(decompress_ok(in, 2 + CHUNK, out, CHUNK), CHUNK);
	cr_assert_eq(memcmp(out, in + 2, CHUNK), 0);
}

Test(lznt1, short_chunk_is_padded_when_another_follows)
{
	static const uint8_t in[] = {
		0x03, 0xB0, 0x00, 'a', 'b', 'c', /* 3 bytes, stands for 4096 */
		0x02, 0xB0, 0x00, 'x', 'y',      /* second chunk */
		0x00, 0x00,                      /* end */
		0x02, 0xB0, 0x00, 'q', 'q',      /* never read */
	};
	g_autofree uint8_t *out = g_malloc(4 * CHUNK);
	memset(out, 0xEE, 4 * CHUNK);
	cr_assert_eq(decompress_ok(in, sizeof in, out, 4 * CHUNK), CHUNK + 2);
	cr_assert_eq(memcmp(out, "abc", 3), 0);
	for (size_t i = 3; i < CHUNK; i++)
		cr_assert_eq(out[i], 0, "byte %zu", i);
	cr_assert_eq(memcmp(out + CHUNK, "xy", 2), 0);
	for (size_t i = CHUNK + 2; i < CHUNK + 10; i++) /* may be cleared, never garbage */
		cr_assert(out[i] == 0 || out[i] == 0xEE, "byte %zu", i);
	cr_assert_eq(out[CHUNK + 10], 0xEE);
}

/* A fast match copy may run a few bytes past its end; after the last chunk nothing but
 * zeros may be left there. */
Test(lznt1, nothing_left_past_the_end)
{
	Builder b;
	b_start(&b);
	b_literals(&b, "0123456789");
	b_token(&b, (9u << 12) | 0); /* offset 10, length 3 */
	size_t n = b_finish(&b);
	g_autofree uint8_t *out = g_malloc(CHUNK);
	memset(out, 0xEE, CHUNK);
	cr_assert_eq(decompress_ok(b.buf, n, out, CHUNK), 13);
	cr_assert_eq(memcmp(out, "0123456789012", 13), 0);
	for (size_t i = 13; i < 21; i++)
		cr_assert(out[i] == 0 || out[i] == 0xEE, "byte %zu is 0x%02x", i, out[i]);
	for (size_t i = 21; i < CHUNK; i++)
		cr_assert_eq(out[i], 0xEE, "byte %zu", i);
}

Test(lznt1, stops_at_end_and_zero_header)
{
	uint8_t out[8];
	static const uint8_t zero[] = { 0x00, 0x00, 0x03, 0xB0 };
	static const uint8_t odd[] = { 0x03 };
	cr_assert_eq(decompress_ok(zero, sizeof zero, out, sizeof out), 0);
	cr_assert_eq(decompress_ok(odd, sizeof odd, out, sizeof out), 0);
	cr_assert_eq(decompress_ok(NULL, 0, out, sizeof out), 0);
	static const uint8_t in[] = { 0x03, 0xB0, 0x00, 'a', 'b', 'c' };
	cr_assert_eq(decompress_ok(in, sizeof in, out, 0), 0);
}

Test(lznt1, output_limit_clips)
{
	static const uint8_t in[] = { 0x05, 0xB0, 0x08, 'a', 'b', 'c', 0x03, 0x20 };
	uint8_t out[9];
	for (size_t limit = 0; limit <= 9; limit++) {
		g_autofree uint8_t *exact = g_malloc(limit ? limit : 1); /* ASan catches any overrun */
		cr_assert_eq(decompress_ok(in, sizeof in, exact, limit), limit);
		cr_assert_eq(memcmp(exact, "abcabcabc", limit), 0);
	}
	g_autofree uint8_t *unc = g_malloc0(2 + CHUNK);
	le16_put(unc, 0x3FFF);
	cr_assert_eq(decompress_ok(unc, 2 + CHUNK, out, 5), 5);
}

Test(lznt1, rejects_chunk_past_input)
{
	static const uint8_t in[] = { 0x63, 0xB0, 0x00, 'a', 'b', 'c' }; /* claims 100 bytes */
	expect_corrupt(in, sizeof in, 64, "past the end");
	static const uint8_t unc[] = { 0xFF, 0x3F, 'a' };
	expect_corrupt(unc, sizeof unc, 64, "past the end");
}

Test(lznt1, rejects_reference_before_chunk)
{
	static const uint8_t first[] = { 0x02, 0xB0, 0x01, 0x00, 0x00 }; /* a match at position 0 */
	expect_corrupt(first, sizeof first, 64, "before the chunk");
	static const uint8_t later[] = { 0x05, 0xB0, 0x08, 'a', 'b', 'c', 0x00, 0x30 }; /* 4 back at 3 */
	expect_corrupt(later, sizeof later, 64, "before the chunk");
	/* offset 4 at the start of the second chunk: bytes exist in out, not in this chunk */
	static const uint8_t second[] = {
		0x04, 0xB0, 0x00, 'a', 'b', 'c', 'd',
		0x05, 0xB0, 0x08, 'x', 'y', 'z', 0x00, 0x30,
	};
	expect_corrupt(second, sizeof second, 3 * CHUNK, "before the chunk");
}

Test(lznt1, rejects_truncated_reference)
{
	static const uint8_t in[] = { 0x02, 0xB0, 0x02, 'a', 0x06 };
	expect_corrupt(in, sizeof in, 64, "inside a back-reference");
}

Test(lznt1, rejects_chunk_longer_than_4096)
{
	Builder b;
	b_start(&b);
	b_literals(&b, "a");
	b_token(&b, 0x0FFF); /* offset 1, length 4098 at position 1 */
	size_t n = b_finish(&b);
	expect_corrupt(b.buf, n, 4 * CHUNK, "more than 4096");

	b_start(&b); /* exactly 4096, then one literal too many */
	b_literals(&b, "a");
	b_token(&b, 0x0FFC); /* 4095 more */
	b_literals(&b, "b");
	n = b_finish(&b);
	expect_corrupt(b.buf, n, 4 * CHUNK, "more than 4096");

	b_start(&b); /* exactly 4096 is fine, also with a flag byte and no token after it */
	b_literals(&b, "abcdefg");
	b_token(&b, 0x0FF6); /* offset 1, length 4089: the eighth token of the group */
	b.buf[b.len++] = 0x00;
	n = b_finish(&b);
	g_autofree uint8_t *out = g_malloc(CHUNK);
	cr_assert_eq(decompress_ok(b.buf, n, out, CHUNK), CHUNK);

	/* with out smaller than the chunk, the same overlong chunk just fills out */
	b_start(&b);
	b_literals(&b, "a");
	b_token(&b, 0x0FFF);
	n = b_finish(&b);
	cr_assert_eq(decompress_ok(b.buf, n, out, 100), 100);
}

/* ---- round trips through the compressor in fixture_lznt1.h --------------------------------- */

static void round_trip(const uint8_t *data, size_t len)
{
	size_t clen;
	g_autofree uint8_t *c = fixture_lznt1_compress(data, len, &clen);
	g_autofree uint8_t *out = g_malloc(len + CHUNK);
	memset(out, 0xEE, len + CHUNK);
	cr_assert_eq(decompress_ok(c, clen, out, len + CHUNK), len);
	cr_assert_eq(memcmp(out, data, len), 0, "round trip of %zu bytes", len);
	for (size_t i = len; i < len + CHUNK; i++)
		cr_assert(out[i] == 0xEE || (out[i] == 0 && i < len + 8), "byte %zu after %zu", i, len);
	/* the exact output size, and truncated input: either corrupt or a correct prefix */
	g_autofree uint8_t *exact = g_malloc(len ? len : 1);
	cr_assert_eq(decompress_ok(c, clen, exact, len), len);
	for (size_t cut = 0; cut < clen; cut += 1 + cut / 16) {
		g_autofree uint8_t *part = g_memdup2(c, cut ? cut : 1);
		size_t got = 0;
		if (lznt1_decompress(byte_span(part, cut), out, len + CHUNK, &got, NULL))
			cr_assert_eq(memcmp(out, data, MIN(got, len)), 0, "cut at %zu", cut);
	}
}

Test(lznt1, round_trips)
{
	enum { N = 5 * CHUNK + 1234 };
	g_autofree uint8_t *data = g_malloc(N);
	GRand *rand = g_rand_new_with_seed(42);

	memset(data, 0, N);
	round_trip(data, N); /* long runs: the longest tokens everywhere */

	for (size_t i = 0; i < N; i++)
		data[i] = (uint8_t)g_rand_int(rand); /* stored chunks */
	round_trip(data, N);

	static const char *words[] = { "restore ", "deleted ", "file ", "NTFS ", "cluster ", "\n" };
	for (size_t i = 0; i < N;) { /* text: matches at every distance and length */
		const char *w = words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))];
		for (; *w && i < N; w++)
			data[i++] = (uint8_t)*w;
	}
	round_trip(data, N);

	for (size_t i = 0; i < N; i++) /* short repeats mixed with noise */
		data[i] = g_rand_int_range(rand, 0, 4) ? (uint8_t)(i % 251) : (uint8_t)g_rand_int(rand);
	round_trip(data, N);

	for (size_t len = 1; len < 40; len++)
		round_trip(data, len);
	round_trip(data, CHUNK);
	round_trip(data, CHUNK + 1);
	g_rand_free(rand);
}

/* Scrambled compressed streams never crash, and success always stays inside out. */
Test(lznt1, corrupt_streams_are_contained)
{
	enum { N = 3 * CHUNK };
	g_autofree uint8_t *data = g_malloc(N);
	for (size_t i = 0; i < N; i++)
		data[i] = (uint8_t)("abcabdabeabf"[i % 12] + (i / 700));
	size_t clen;
	g_autofree uint8_t *c = fixture_lznt1_compress(data, N, &clen);
	g_autofree uint8_t *out = g_malloc(N);
	GRand *rand = g_rand_new_with_seed(7);
	for (int iter = 0; iter < 3000; iter++) {
		g_autofree uint8_t *bad = g_memdup2(c, clen);
		for (int k = 0; k < 1 + iter % 4; k++)
			bad[g_rand_int_range(rand, 0, (gint32)clen)] ^= (uint8_t)(1u << g_rand_int_range(rand, 0, 8));
		size_t got = 0;
		g_autoptr(GError) error = NULL;
		bool ok = lznt1_decompress(byte_span(bad, clen), out, N, &got, &error);
		cr_assert(ok == (error == NULL));
		cr_assert(!ok || got <= N);
	}
	g_rand_free(rand);
}
