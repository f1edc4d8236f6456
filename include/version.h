/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The version, from one place: the VERSION file, given by the Makefile as
 * CLAT_NFQ_VERSION (with `git describe` appended in a git checkout). */
#ifndef CLAT_NFQ_VERSION_H
#define CLAT_NFQ_VERSION_H

#ifndef CLAT_NFQ_VERSION
#define CLAT_NFQ_VERSION "unknown"
#endif

#endif
