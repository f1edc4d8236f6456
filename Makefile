# SPDX-License-Identifier: GPL-2.0-or-later
# clat-nfq: plain GNU make. `make` builds, `make install` installs; both
# leave the system alone and honour CC, CFLAGS, CPPFLAGS, LDFLAGS, PREFIX
# and DESTDIR, as a packager's build needs. `make check` (and demo, bench,
# deps) installs the Debian packages it lacks first (scripts/install-deps).

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/clat-nfq
EXAMPLEDIR ?= $(DOCDIR)
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
CC ?= cc
CLANG ?= clang
PKG_CONFIG ?= pkg-config
# systemd says where its units go; without systemd's .pc, under PREFIX.
UNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd \
	2>/dev/null),$(PREFIX)/lib/systemd/system)
CFLAGS ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
# Warnings are errors in the test, fuzz and analysis builds (make check
# sets WERROR for the plain build too); a packager's compiler may warn.
WERROR ?=
FUZZ_SECONDS ?= 60
SOAK_SECS ?= 600
OVERLOAD_SECS ?= 300
BUILD ?= build

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes
# The version from one place (VERSION); a git checkout adds what
# `git describe` says beyond it.
VERSION := $(shell cat VERSION 2>/dev/null || echo unknown)$(shell \
	git describe --always --dirty 2>/dev/null | sed -n 's/^/+git./p')
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) \
	-DCLAT_NFQ_VERSION='"$(VERSION)"'
TEST_CFLAGS = $(BASE_CFLAGS) -Werror
# The sources that print the version are rebuilt when it changes (a
# commit, a dirty tree), so every object of a binary says the same.
VERSION_USERS := $(notdir $(basename $(shell grep -l '"version.h"' src/*.c)))
DEPFLAGS := -MMD -MP
# include/ is the contract (xlat.h and the daemon's module headers); the
# core's internal headers live beside their sources in src/, seen only by
# the core itself and its white-box tests, fuzzers and benchmark.
INTERNAL := -Isrc
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# The pure modules (translation core, config parser): no I/O, linked by the
# daemon and the tests.
CORE_SRCS := src/csum.c src/rfc6052.c src/config.c src/json.c src/pref64.c src/dns64.c src/clat_desire.c src/routefile.c $(wildcard src/xlat*.c)
DAEMON_SRCS := $(filter-out $(CORE_SRCS),$(wildcard src/*.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
E2E_TESTS := $(wildcard tests/e2e/*.sh)
E2E_BINS := $(patsubst tests/e2e/%.c,$(BUILD)/e2e/%,$(wildcard tests/e2e/*.c))

CORE_OBJS := $(CORE_SRCS:src/%.c=$(BUILD)/obj/%.o)
CORE_ASAN_OBJS := $(CORE_SRCS:src/%.c=$(BUILD)/asan/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:src/%.c=$(BUILD)/obj/%.o)
DAEMON_ASAN_OBJS := $(DAEMON_SRCS:src/%.c=$(BUILD)/asan/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/tests/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)

LIBS := libnetfilter_queue libnftnl libmnl libnfnetlink

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

PROGRAMS := $(BUILD)/libclatcore.a
ifneq ($(wildcard src/main.c),)
PROGRAMS += $(BUILD)/clat-nfq
endif

.PHONY: all deps check unit e2e fuzz bench bench-core analyze vectors demo \
	install uninstall clean soak overload

# Builds only: a missing library is pkg-config's or the compiler's error
# (`make deps` installs them on Debian).
all: $(PROGRAMS)

deps:
	$(Q)scripts/install-deps build

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) $(WERROR) $(DEPFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -O1 -g $(SAN) -c $< -o $@

$(BUILD)/version: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(foreach u,$(VERSION_USERS),$(BUILD)/obj/$(u).o $(BUILD)/asan/$(u).o): $(BUILD)/version
.PHONY: FORCE
FORCE:

$(BUILD)/libclatcore.a: $(CORE_OBJS)
	$(call say,AR,$@)$(AR) rcs $@ $^

$(BUILD)/asan/libclatcore.a: $(CORE_ASAN_OBJS)
	$(call say,AR,$@)$(AR) rcs $@ $^

$(DAEMON_OBJS) $(DAEMON_ASAN_OBJS): BASE_CFLAGS += $(shell $(PKG_CONFIG) --cflags $(LIBS))

$(BUILD)/clat-nfq: $(DAEMON_OBJS) $(BUILD)/libclatcore.a
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ \
		$(shell $(PKG_CONFIG) --libs $(LIBS)) -lpthread

# The daemon under ASan/UBSan (LeakSanitizer included) for tests/soak.
# Misalignment alone is recoverable in it: reported once per place, so the
# soak tells the known case (tests/soak/known-ubsan.txt) from new ones.
$(DAEMON_ASAN_OBJS): SAN += -fsanitize-recover=alignment
$(BUILD)/asan/clat-nfq: $(DAEMON_ASAN_OBJS) $(BUILD)/asan/libclatcore.a
	$(call say,LD,$@)$(CC) -O1 -g $(SAN) $^ -o $@ \
		$(shell $(PKG_CONFIG) --libs $(LIBS)) -lpthread

$(BUILD)/soak/leak_canary.so: tests/soak/leak_canary.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(TEST_CFLAGS) -O0 -shared -fPIC $< -o $@

$(BUILD)/asan/tests/%: tests/unit/%.c $(BUILD)/asan/libclatcore.a
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(TEST_CFLAGS) $(INTERNAL) $(DEPFLAGS) -Itests/unit -O1 -g $(SAN) \
		$(filter %.c,$^) $(BUILD)/asan/libclatcore.a -lcmocka -lpthread -o $@

# Daemon modules without I/O, tested with their source compiled in.
$(BUILD)/asan/tests/test_workercfg: src/workercfg.c
$(BUILD)/asan/tests/test_txq: src/txq.c
$(BUILD)/asan/tests/test_tunrx: src/tunrx.c

# Helpers of the namespace tests: linked with the daemon's modules.
$(BUILD)/e2e/%: tests/e2e/%.c $(filter-out $(BUILD)/obj/main.o,$(DAEMON_OBJS)) $(BUILD)/libclatcore.a
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(TEST_CFLAGS) $(shell $(PKG_CONFIG) --cflags $(LIBS)) \
		$(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(shell $(PKG_CONFIG) --libs $(LIBS))

# Every test program runs even when one fails, then the tally: $(1) is
# the list.
define run_tests
	@fail=0; for t in $(1); do \
		echo "== $$t"; \
		if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $$t; then \
			echo "== PASS $$t"; \
		else echo "== FAIL $$t"; fail=$$((fail + 1)); fi; \
	done; \
	echo "== $$fail of $(words $(1)) test programs failed"; \
	test $$fail -eq 0
endef

# The unit tests (cmocka, under ASan/UBSan): no root needed.
unit:
	$(Q)scripts/install-deps test
	$(Q)$(MAKE) --no-print-directory WERROR=-Werror $(UNIT_BINS)
	$(call run_tests,$(UNIT_BINS))

# The namespace, install and packaging tests: root. E2E=tests/e2e/x.sh
# runs some.
E2E ?= $(E2E_TESTS)
e2e:
	$(Q)scripts/install-deps test
	$(Q)$(MAKE) --no-print-directory WERROR=-Werror $(PROGRAMS) $(E2E_BINS) \
		$(BUILD)/bench/udpblast $(SOAK_BINS)
	$(call run_tests,$(E2E))

# Static analysis first (a finding fails the check, and so CI), then the
# unit tests and the e2e scripts in one tally.
check:
	$(Q)scripts/install-deps test
	$(Q)$(MAKE) --no-print-directory analyze
	$(Q)$(MAKE) --no-print-directory WERROR=-Werror $(PROGRAMS) $(UNIT_BINS) \
		$(E2E_BINS) $(BUILD)/bench/udpblast $(SOAK_BINS)
	$(call run_tests,$(UNIT_BINS) $(E2E_TESTS))

# libFuzzer targets: the core rebuilt with clang and coverage.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRCS) tests/fuzz/fuzz_common.h
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(CLANG) -std=c11 -D_GNU_SOURCE -Iinclude $(INTERNAL) -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$< $(CORE_SRCS) -o $@ $(FUZZ_LIBS)

# The netlink target includes src/rtnl.c, which needs libmnl.
$(BUILD)/fuzz/fuzz_netlink: FUZZ_LIBS = $(shell $(PKG_CONFIG) --libs libmnl)
$(BUILD)/fuzz/fuzz_netlink: src/rtnl.c include/rtnl.h

fuzz:
	$(Q)scripts/install-deps fuzz
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); c=$(BUILD)/fuzz/corpus-$$n; mkdir -p $$c; \
		if [ -d tests/fuzz/corpus/$$n ]; then cp -n tests/fuzz/corpus/$$n/* $$c/ 2>/dev/null || true; fi; \
		echo "== $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/$$n- $$c || exit 1; \
	done

$(BUILD)/bench_core: tests/bench/bench_core.c $(BUILD)/libclatcore.a
	$(call say,CC,$@)$(CC) $(TEST_CFLAGS) $(INTERNAL) -O2 -g $^ -o $@

$(BUILD)/bench/udpblast: tests/bench/udpblast.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(TEST_CFLAGS) -O2 $< -o $@

# clat-nfq next to TAYGA and native IPv6; REPEAT, SECS, SOAK, OUT, CPU_PPS,
# TAYGA_BIN, TAYGA_WORKERS (see the script). Writes tests/bench/RESULTS.md.
bench:
	$(Q)scripts/install-deps bench
	$(Q)$(MAKE) --no-print-directory $(PROGRAMS) $(BUILD)/bench/udpblast
	tests/bench/bench.sh

# Mixed traffic for SOAK_SECS (600) through the daemon under ASan/UBSan (no
# leak, no report), then through the plain build (flat memory); see
# tests/soak/soak.sh, tests/e2e/leak.sh is its 20 s form in make check. The
# last long run: tests/soak/RESULTS.md.
SOAK_BINS := $(PROGRAMS) $(BUILD)/asan/clat-nfq $(BUILD)/soak/leak_canary.so \
	$(BUILD)/bench/udpblast

soak:
	$(Q)scripts/install-deps test
	$(Q)$(MAKE) --no-print-directory $(SOAK_BINS)
	SOAK_SECS=$(SOAK_SECS) tests/soak/soak.sh
	SOAK_SECS=$(SOAK_SECS) SOAK_BIN=$(BUILD)/clat-nfq tests/soak/soak.sh

# tests/e2e/overload.sh's long form (make check runs it for 15 s).
overload:
	$(Q)scripts/install-deps test
	$(Q)$(MAKE) --no-print-directory $(PROGRAMS) $(BUILD)/bench/udpblast
	OVERLOAD_SECS=$(OVERLOAD_SECS) tests/e2e/overload.sh

bench-core: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD)/bench_core
	$(BUILD)/bench_core

analyze:
	$(Q)scripts/install-deps analyze
	cppcheck --quiet --enable=warning,performance,portability \
		--error-exitcode=1 --inline-suppr --std=c11 -Iinclude $(INTERNAL) \
		-D__GNUC__ src tests/unit
	clang-tidy --quiet $(wildcard src/*.c) -- $(TEST_CFLAGS) \
		$(shell $(PKG_CONFIG) --cflags $(LIBS) 2>/dev/null)

# Regenerate the packet vectors (needs scapy; the output is committed).
vectors:
	$(Q)scripts/install-deps vectors
	/usr/bin/python3 tests/vectors/gen.py tests/unit/vectors.h

demo:
	@if [ -x scripts/demo ]; then exec scripts/demo; else \
		echo "clat-nfq: the demo arrives with the data path (issue 3)"; \
		exit 1; fi

# The binary, the unit (ExecStart pointing at the binary), the man pages,
# the bash completion and the commented example; /etc/clat-nfq.conf only
# where there is none yet. Builds what is missing, installs no package.
install: $(BUILD)/clat-nfq
	install -D -m 0755 $(BUILD)/clat-nfq $(DESTDIR)$(SBINDIR)/clat-nfq
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/clat-nfq.service.in \
		> $(DESTDIR)$(UNITDIR)/clat-nfq.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/clat-nfq.service
	install -D -m 0644 doc/clat-nfq.8 $(DESTDIR)$(MANDIR)/man8/clat-nfq.8
	install -D -m 0644 doc/clat-nfq.conf.5 $(DESTDIR)$(MANDIR)/man5/clat-nfq.conf.5
	install -D -m 0644 doc/clat-nfq.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/clat-nfq
	install -D -m 0644 doc/clat-nfq.conf.example \
		$(DESTDIR)$(EXAMPLEDIR)/clat-nfq.conf.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/clat-nfq.conf ] || \
		install -D -m 0644 doc/clat-nfq.conf.example \
			$(DESTDIR)$(SYSCONFDIR)/clat-nfq.conf

# Leaves /etc/clat-nfq.conf: it is the operator's.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/clat-nfq \
		$(DESTDIR)$(UNITDIR)/clat-nfq.service \
		$(DESTDIR)$(MANDIR)/man8/clat-nfq.8 \
		$(DESTDIR)$(MANDIR)/man5/clat-nfq.conf.5 \
		$(DESTDIR)$(BASHCOMPDIR)/clat-nfq \
		$(DESTDIR)$(EXAMPLEDIR)/clat-nfq.conf.example
	-rmdir $(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- Real hosts (tests/vm, tests/fresh; issue 13) --------------------------
# check-vm: Debian 12's stock kernel with systemd as PID 1 under QEMU, the
# project installed into it, the checks of tests/vm/guest-run inside (the
# image is built once from Debian's archive and cached in
# /var/cache/clat-nfq-vm). check-fresh: `make check` and `make demo` in a
# pristine Debian 12 tree (git, make, ca-certificates) that clones this
# checkout, so a missing install step fails here and not at a user's.
.PHONY: check-vm check-fresh
check-vm:
	$(Q)tests/vm/run

check-fresh:
	$(Q)tests/fresh/run
