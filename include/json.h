/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON strings (RFC 8259 section 7) from arbitrary bytes, for the status
 * output: pure, no I/O, fuzzed (tests/fuzz/fuzz_json.c). */
#ifndef CLAT_JSON_H
#define CLAT_JSON_H

#include <stddef.h>

/* Worst case of json_escape() for len bytes, quotes and NUL included. */
#define JSON_ESCAPED_MAX(len) ((len) * 6 + 3)

/* Write in[0..len) as a JSON string, quotes included, NUL-terminated, into
 * out (size bytes); returns the length it needs (without the NUL), as
 * snprintf does, so a result >= size means it was cut. '"', '\' and the
 * control characters are escaped; valid UTF-8 passes as it is; every byte
 * that is not part of valid UTF-8 becomes a lone surrogate \udc80..\udcff
 * (PEP 383's surrogateescape), so the output is ASCII-safe UTF-8 and the
 * bytes come back exactly: os.fsencode(json.loads(...)) in Python; jq
 * reads such a byte as U+FFFD. */
size_t json_escape(char *out, size_t size, const char *in, size_t len);

#endif
