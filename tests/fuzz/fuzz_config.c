/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the configuration parser, a file's worth of lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1100], err[CONFIG_ERR_MAX];
	struct config c;
	size_t n = 0;

	config_init(&c);
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n' || n == sizeof(line) - 1) {
			line[n] = '\0';
			err[0] = '\0';
			/* Every refusal must say something. */
			if (config_line(&c, line, err, sizeof(err)) && !err[0])
				abort();
			/* The same line as one of an eam-file. */
			err[0] = '\0';
			if (config_eam_line(&c, line, err, sizeof(err)) &&
			    !err[0])
				abort();
			n = 0;
			continue;
		}
		line[n++] = data[i] ? (char)data[i] : ' ';
	}
	err[0] = '\0';
	if (config_finish(&c, err, sizeof(err)) && !err[0])
		abort();
	/* Every mapping accepted formats back to itself. */
	for (unsigned i = 0; i < c.eam.n; i++) {
		struct xlat_eam e;
		char buf[80];

		if (xlat_eam_parse(xlat_eam_format(&c.eam.e[i], buf,
						   sizeof(buf)), &e, NULL) ||
		    memcmp(&e, &c.eam.e[i], sizeof(e)))
			abort();
	}
	return 0;
}
