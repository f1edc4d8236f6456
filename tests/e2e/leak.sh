#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The leak soak's bounded form for make check: tests/soak/soak.sh for 20 s
# (the canary run first), RSS and descriptors sampled every 2 s after 6 s of
# warm-up. `make soak` is the long form (SOAK_SECS, 600 by default).
set -euo pipefail
cd "$(dirname "$0")/../.."
export SOAK_SECS=20 SOAK_SAMPLE=2 SOAK_WARM=6
exec tests/soak/soak.sh
