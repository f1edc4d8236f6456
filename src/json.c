/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON string escaping (see json.h). */
#include <stdint.h>
#include <stdio.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629 section 4: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const uint8_t *s, size_t left)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void put(char *out, size_t size, size_t *at, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++, (*at)++)
		if (*at + 1 < size)
			out[*at] = p[i];
}

size_t json_escape(char *out, size_t size, const char *in, size_t len)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t at = 0, i = 0;

	put(out, size, &at, "\"", 1);
	while (i < len) {
		char esc[8];
		size_t n;

		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			put(out, size, &at, esc, 2);
			i++;
		} else if (s[i] == '\n') {
			put(out, size, &at, "\\n", 2);
			i++;
		} else if (s[i] == '\t') {
			put(out, size, &at, "\\t", 2);
			i++;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			put(out, size, &at, esc, 6);
			i++;
		} else if (s[i] < 0x80) {
			put(out, size, &at, (const char *)&s[i], 1);
			i++;
		} else if ((n = utf8_len(&s[i], len - i))) {
			put(out, size, &at, (const char *)&s[i], n);
			i += n;
		} else {
			/* PEP 383's surrogateescape: U+DC80..U+DCFF for the
			 * bytes 0x80..0xff that are not UTF-8. */
			snprintf(esc, sizeof(esc), "\\udc%02x", s[i]);
			put(out, size, &at, esc, 6);
			i++;
		}
	}
	put(out, size, &at, "\"", 1);
	if (size)
		out[at < size ? at : size - 1] = '\0';
	return at;
}
