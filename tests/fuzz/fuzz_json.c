/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the status output's JSON string escaper. The output
 * must be one valid JSON string (RFC 8259 section 7) in valid UTF-8, and
 * decoding it (\udcXX as byte XX, PEP 383) must give the input's bytes
 * back (see json.h); a short
 * buffer must get a cut, NUL-terminated prefix of the same output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A strict decoder of the string at j[0..n): aborts on anything RFC 8259
 * or RFC 3629 does not allow; writes the bytes it stands for. */
static size_t decode(const char *j, size_t n, uint8_t *out)
{
	const uint8_t *s = (const uint8_t *)j;
	size_t i = 1, o = 0;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	while (i < n - 1) {
		if (s[i] < 0x20 || s[i] == '"')
			abort();
		if (s[i] == '\\') {
			char e = (char)s[++i];
			unsigned u = 0;

			if (i >= n - 1)
				abort();
			if (e == '"' || e == '\\' || e == '/') {
				out[o++] = (uint8_t)e;
				i++;
				continue;
			}
			if (e == 'n' || e == 't') {
				out[o++] = e == 'n' ? '\n' : '\t';
				i++;
				continue;
			}
			if (e != 'u' || i + 4 >= n - 1)
				abort();
			for (int k = 1; k <= 4; k++) {
				int h = hex((char)s[i + k]);

				if (h < 0)
					abort();
				u = u * 16 + (unsigned)h;
			}
			/* Control characters, or a byte that is not UTF-8
			 * as U+DC80..U+DCFF; nothing else is escaped. */
			if (u >= 0xdc80 && u <= 0xdcff)
				out[o++] = (uint8_t)(u - 0xdc00);
			else if (u < 0x20 || u == 0x7f)
				out[o++] = (uint8_t)u;
			else
				abort();
			i += 5;
			continue;
		}
		if (s[i] >= 0x80) {
			/* Raw UTF-8: must be a complete, valid sequence. */
			size_t len = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
			uint32_t cp;

			if (s[i] < 0xc2 || s[i] > 0xf4 || i + len > n - 1)
				abort();
			cp = s[i] & (0x7f >> len);
			for (size_t k = 1; k < len; k++) {
				if ((s[i + k] & 0xc0) != 0x80)
					abort();
				cp = cp << 6 | (s[i + k] & 0x3f);
			}
			if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
			    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				abort();
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
			continue;
		}
		out[o++] = s[i++];
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t need = JSON_ESCAPED_MAX(size), n, cut;
	char *j = malloc(need), *small;
	uint8_t *back = malloc(size + 1);

	if (!j || !back)
		abort();
	n = json_escape(j, need, (const char *)data, size);
	if (n >= need || j[n] != '\0' || strlen(j) != n)
		abort();
	if (decode(j, n, back) != size || (size && memcmp(back, data, size)))
		abort();
	/* A short buffer: a prefix, terminated, and the same length told. */
	cut = size ? data[0] % (n + 1) + 1 : 1;
	small = malloc(cut);
	if (!small)
		abort();
	if (json_escape(small, cut, (const char *)data, size) != n ||
	    strlen(small) != cut - 1 || memcmp(small, j, cut - 1))
		abort();
	free(small);
	free(back);
	free(j);
	return 0;
}
