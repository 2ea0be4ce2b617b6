# SPDX-License-Identifier: Apache-2.0
#
# vmnet-helper: build, test, check.
#
# macOS builds against the real SDK (vmnet.framework, XPC, libdispatch).
# Linux builds the same sources with clang -fblocks against the Linux
# platform layer in src/linux/, which implements those Apple APIs on TAP
# devices and bridges.

# Semantic version from scripts/VERSION, with git describe's suffix for
# untagged builds (scripts/version.sh).
VERSION ?= $(shell scripts/version.sh)
ifeq ($(VERSION),)
$(error scripts/version.sh printed no version)
endif
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
PREFIX  ?= /opt/vmnet-helper
DESTDIR ?=
PYTHON  ?= /usr/bin/python3
B       := build
OS      := $(shell uname -s)

# Sanitized builds, each in its own directory so they never mix with the
# normal one: SANITIZE=1 is ASan + UBSan (make SANITIZE=1 test), and
# SANITIZE=fuzz adds libFuzzer's coverage instrumentation (make fuzz).
SANITIZE ?=
SANITIZERS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
B := build-san
SAN_CFLAGS := $(SANITIZERS)
SAN_OBJS := $(B)/tests/sanitize/lsan_suppressions.o
# Left to the normal run: the macOS cross build runs no sanitized program,
# and an ASan helper has no seccomp filter (src/sandbox_linux.c).
INTEGRATION_ARGS += --ignore=tests/integration/test_macos_build.py \
	--ignore=tests/integration/test_helper_sandbox.py
else ifeq ($(SANITIZE),fuzz)
B := build-fuzz
SAN_CFLAGS := $(SANITIZERS) -fsanitize=fuzzer-no-link
else ifneq ($(SANITIZE),)
$(error SANITIZE must be 1 or fuzz, not '$(SANITIZE)')
endif

CC      := clang
CFLAGS  ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wshadow -Wpointer-arith -Wcast-qual \
	-Wsign-compare -Wformat=2 -Wvla
HARDENING := -fPIE -fstack-protector-strong -D_FORTIFY_SOURCE=2
ALL_CPPFLAGS = -Iinclude -DVERSION='"$(VERSION)"' -DCOMMIT='"$(COMMIT)"' \
	$(PLATFORM_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(HARDENING) $(PLATFORM_CFLAGS) $(SAN_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(PLATFORM_LDFLAGS) $(SAN_OBJS) $(LDFLAGS)

ifeq ($(OS),Darwin)
PLATFORM_CPPFLAGS :=
PLATFORM_CFLAGS   := -mmacosx-version-min=13.0
# No -pie: ld64 makes PIE executables by default, and Apple's clang rejects
# -pie as unused under -Werror.
PLATFORM_LDFLAGS  :=
PLATFORM_LIB      :=
# Weak: vmnet symbols newer than macOS 13 must not stop dyld on 13 and 14
# (scripts/macos/check-binds.py checks the linked binaries).
PLATFORM_LIBS     := -weak_framework vmnet -framework CoreFoundation
# Static cJSON: nothing the root helper loads may come from a user-writable
# prefix (see README, Security). From pkg-config if there is one (the
# Command Line Tools have none), else from Homebrew's prefix.
ifeq ($(origin CJSON_LIBS),undefined)
CJSON_PREFIX := $(or $(shell pkg-config --variable=prefix libcjson 2>/dev/null),\
	$(firstword $(foreach p,/opt/homebrew /usr/local,$(if $(wildcard $(p)/lib/libcjson.a),$(p)))))
ifeq ($(CJSON_PREFIX),)
$(warning no static cJSON found (brew install cjson, or set CJSON_LIBS and CJSON_CFLAGS))
endif
CJSON_LIBS   := $(CJSON_PREFIX)/lib/libcjson.a
CJSON_CFLAGS ?= -I$(CJSON_PREFIX)/include
endif
# cmocka for the unit tests, found the same way.
ifeq ($(origin CMOCKA_CFLAGS),undefined)
CMOCKA_PREFIX := $(or $(shell pkg-config --variable=prefix cmocka 2>/dev/null),\
	$(firstword $(foreach p,/opt/homebrew /usr/local,$(if $(wildcard $(p)/include/cmocka.h),$(p)))))
CMOCKA_CFLAGS := $(if $(CMOCKA_PREFIX),-I$(CMOCKA_PREFIX)/include)
CMOCKA_LIBS   ?= $(if $(CMOCKA_PREFIX),-L$(CMOCKA_PREFIX)/lib) -lcmocka
endif
# Tests and tools of the Linux platform layer (src/linux/) and of Linux's
# seccomp filter, TAP tools, the probe of the macOS 26 network API (it
# calls that API unguarded), and any tests/unit/test_*_linux.c.
LINUX_ONLY := tests/unit/test_dispatch.c tests/unit/test_msg_x.c tests/unit/test_xpc.c \
	tests/unit/test_vmnet_desc.c tests/unit/test_sandbox.c tests/tools/guest-nic.c \
	tests/unit/test_xpc_connection.c tests/unit/test_xpc_wire.c tests/tools/vmnet-netprobe.c \
	tests/unit/test_vmnet_offload.c tests/tools/ref-forwarder.c tests/tools/lib/tapsock.c \
	$(wildcard tests/unit/test_*_linux.c)
else
PLATFORM_CPPFLAGS := -D_GNU_SOURCE -Iinclude/compat -Iinclude/compat-linux
PLATFORM_CFLAGS   := -fblocks
PLATFORM_LDFLAGS  := -pie
PLATFORM_LIB      := $(B)/libvmnet-linux.a
PLATFORM_LIBS     := $(PLATFORM_LIB) -lnftables -lBlocksRuntime -lpthread
CJSON_LIBS ?= -lcjson
CJSON_CFLAGS ?=
LINUX_ONLY :=
endif
CMOCKA_CFLAGS ?=
CMOCKA_LIBS   ?= -lcmocka
ALL_CPPFLAGS += $(CJSON_CFLAGS)

# Programs: src/<name>.c holds main(); every other src/*.c is a module
# collected into libcommon.a, so each program links only what it uses.
# A module with one implementation per OS has src/<module>_linux.c and
# src/<module>_darwin.c; only this OS's is built.
# vmnet-run is vmnet-client under the predecessor's name, socket_vmnet is
# vmnet-helper under socket_vmnet's (its command line): the same programs.
PROGRAMS    := vmnet-helper vmnet-client vmnet-run socket_vmnet
MAIN_SRCS   := src/helper.c src/client.c
OTHER_OS_SRCS := $(wildcard $(if $(filter Darwin,$(OS)),src/*_linux.c,src/*_darwin.c))
COMMON_SRCS := $(filter-out $(MAIN_SRCS) $(OTHER_OS_SRCS),$(wildcard src/*.c))
COMMON_OBJS := $(COMMON_SRCS:%.c=$(B)/%.o)
COMMON_LIB  := $(B)/libcommon.a
LINUX_SRCS  := $(wildcard src/linux/*.c)
LINUX_OBJS  := $(LINUX_SRCS:%.c=$(B)/%.o)

# Unit tests: tests/unit/test_<name>.c, one cmocka program each. A test that
# replaces platform functions with in-memory fakes sets test_<name>_LIBS.
UNIT_SRCS  := $(filter-out $(LINUX_ONLY),$(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
UNIT_LIBS  := $(COMMON_LIB) $(PLATFORM_LIBS) $(CJSON_LIBS) $(CMOCKA_LIBS)
test_fwd_LIBS := $(COMMON_LIB) $(CJSON_LIBS) $(CMOCKA_LIBS) $(filter-out $(PLATFORM_LIB),$(PLATFORM_LIBS))
$(B)/tests/unit/%.o: ALL_CPPFLAGS += $(CMOCKA_CFLAGS)

# Fuzz targets: tests/fuzz/fuzz_<name>.c, each a libFuzzer program
# (LLVMFuzzerTestOneInput) with its seeds in tests/fuzz/corpus/<name>/. A
# target that replaces platform functions with fakes sets fuzz_<name>_LIBS.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_SECONDS ?= 30

# Test tools: tests/tools/<name>.c, small programs the integration tests run;
# tests/tools/lib/*.c is code they share.
TOOL_SRCS := $(filter-out $(LINUX_ONLY),$(wildcard tests/tools/*.c))
TOOLS     := $(TOOL_SRCS:tests/tools/%.c=$(B)/tools/%)
TOOL_LIB_OBJS := $(patsubst %.c,$(B)/%.o,$(filter-out $(LINUX_ONLY),$(wildcard tests/tools/lib/*.c)))
TOOL_LIB  := $(if $(TOOL_LIB_OBJS),$(B)/libtools.a)

ALL_SRCS := $(wildcard src/*.c src/linux/*.c tests/unit/*.c tests/tools/*.c tests/tools/lib/*.c \
	tests/fuzz/*.c tests/sanitize/*.c)
ALL_HDRS := $(wildcard include/*.h include/compat/*/*.h include/compat-linux/*/*.h \
	src/linux/*.h tests/unit/*.h tests/tools/lib/*.h tests/fuzz/*.h)
SCRIPTS  := install.sh $(wildcard scripts/*.sh scripts/macos/*.sh scripts/examples/*.sh scripts/guest/*.sh \
	scripts/guest/init scripts/guest/udhcpc.script) .ci/run .ci/readme-test

.PHONY: all programs tools unit-tests unit-test-objects test unit integration check format \
	macos-check release bench demo clean install uninstall \
	man-lint fuzz fuzz-targets fuzz-smoke
.DELETE_ON_ERROR:
# Keep objects that pattern rules build on the way to programs and tests.
.SECONDARY:

all: programs tools unit-tests

# The sanitizer build links its LeakSanitizer suppressions into everything.
$(PROGRAMS:%=$(B)/%) $(UNIT_TESTS) $(TOOLS): $(SAN_OBJS)

programs: $(PROGRAMS:%=$(B)/%)
tools: $(TOOLS)
unit-tests: $(UNIT_TESTS)
# The unit tests compiled, not linked (the macOS cross build has no cmocka).
unit-test-objects: $(UNIT_SRCS:%.c=$(B)/%.o)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Objects that embed VERSION and COMMIT are rebuilt when those change.
VERSION_OBJS := $(B)/src/helper.o $(B)/src/client.o $(B)/src/options.o $(B)/src/client_opts.o
$(VERSION_OBJS): $(B)/version
$(B)/version: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION) $(COMMIT)' | cmp -s - $@ || echo '$(VERSION) $(COMMIT)' >$@
.PHONY: FORCE

$(COMMON_LIB): $(COMMON_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libvmnet-linux.a: $(LINUX_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/vmnet-helper: $(B)/src/helper.o $(COMMON_LIB) $(PLATFORM_LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(COMMON_LIB) $(PLATFORM_LIBS) $(CJSON_LIBS)

$(B)/vmnet-client: $(B)/src/client.o $(COMMON_LIB) $(PLATFORM_LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(COMMON_LIB) $(PLATFORM_LIBS) $(CJSON_LIBS)

$(B)/vmnet-run: $(B)/vmnet-client
	cp $< $@

$(B)/socket_vmnet: $(B)/vmnet-helper
	cp $< $@

$(B)/tests/%: $(B)/tests/unit/%.o $(COMMON_LIB) $(PLATFORM_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(or $($*_LIBS),$(UNIT_LIBS))

$(B)/fuzz/%: $(B)/tests/fuzz/%.o $(COMMON_LIB) $(PLATFORM_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< \
		$(or $($*_LIBS),$(COMMON_LIB) $(PLATFORM_LIBS) $(CJSON_LIBS))

$(B)/libtools.a: $(TOOL_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/tools/%: $(B)/tests/tools/%.o $(TOOL_LIB) $(COMMON_LIB) $(PLATFORM_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(TOOL_LIB) $(COMMON_LIB) $(PLATFORM_LIBS) \
		$(CJSON_LIBS)

# Everything needs root: the platform creates TAP devices and bridges, the
# integration tests create network namespaces. make test builds as the
# caller and runs the tests as root: directly, or through sudo for another
# user (scripts/as-root.sh), without leaving root-owned caches in the tree.
# On a Mac only the unit tests of the portable modules can run.
ifeq ($(OS),Darwin)
test: unit
else
test: programs tools unit-tests
	scripts/as-root.sh $(MAKE) --no-print-directory SANITIZE=$(SANITIZE) B=$(B) \
		PYTHON=$(PYTHON) VERSION='$(VERSION)' COMMIT='$(COMMIT)' unit integration
endif

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

integration: programs tools
	PYTHONDONTWRITEBYTECODE=1 VMNET_BUILD=$(abspath $(B)) $(PYTHON) -m pytest -p no:cacheprovider -v \
		$(INTEGRATION_ARGS) tests/integration

# Fuzzing (docs/testing.md): build every target in build-fuzz; the smoke run
# gives each FUZZ_SECONDS on its seeds and fails on the first crash.
fuzz:
	$(MAKE) SANITIZE=fuzz fuzz-targets

fuzz-targets: $(FUZZ_TARGETS)

fuzz-smoke: fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-smoke.sh $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/fuzz/%)

check: man-lint
	clang-format --dry-run -Werror $(ALL_SRCS) $(ALL_HDRS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --std=c11 -D__linux__ -Iinclude $(ALL_SRCS)
	shellcheck $(SCRIPTS)
	scripts/check-headers.sh

format:
	clang-format -i $(ALL_SRCS) $(ALL_HDRS)

# macOS builds on Linux with zig (docs/macos.md); release builds the archive
# (universal and signed on a Mac, per-architecture and unsigned elsewhere).
MACOS_ENV = B=$(B) VERSION='$(VERSION)' COMMIT='$(COMMIT)'

macos-check:
	$(MACOS_ENV) scripts/macos-cross.sh

release:
	$(MACOS_ENV) scripts/release.sh

bench: programs tools
	scripts/bench.sh

demo: programs tools
	scripts/demo.sh

# Manual pages: mandoc's lint at warning level, and groff's own warnings.
MANPAGES := docs/man/vmnet-helper.8 docs/man/vmnet-client.1

man-lint:
	mandoc -T lint -W warning $(MANPAGES)
	@out=$$(groff -ww -z -mandoc $(MANPAGES) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out" >&2; exit 1; fi

# install.sh is the installer for users (root-owned prefix check, sudoers
# rule, manifest); these targets only copy the files, e.g. into a DESTDIR
# staging tree, in the layout of the release archive. Uninstall removes the
# directories it leaves empty; the shared ones (bin, share/man) only when the
# prefix is vmnet-helper's own.
DOCDIR     = $(PREFIX)/share/doc/vmnet-helper
SUDOERS_DOCS := sudoers.d/vmnet-helper sudoers.d/vmnet-helper-closefrom sudoers.d/README.md

# The network service's per-user launch agent (macOS): launchd starts
# `vmnet-helper --serve-networks` when a helper looks up its Mach service.
LAUNCH_AGENT      := io.github.vmnet-helper.networks
LAUNCH_AGENT_SRC  := scripts/macos/launchd/$(LAUNCH_AGENT).plist
LAUNCH_AGENTS_DIR ?= /Library/LaunchAgents

install: programs
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(DOCDIR)/sudoers.d
	install -m 0755 $(PROGRAMS:%=$(B)/%) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/man/vmnet-helper.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 docs/man/vmnet-client.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(SUDOERS_DOCS) $(DESTDIR)$(DOCDIR)/sudoers.d/
ifeq ($(OS),Darwin)
	scripts/macos/sign.sh $(DESTDIR)$(PREFIX)/bin/vmnet-helper
	scripts/macos/sign.sh $(DESTDIR)$(PREFIX)/bin/socket_vmnet
	install -d $(DESTDIR)$(LAUNCH_AGENTS_DIR)
	sed 's|<string>/opt/vmnet-helper/bin/vmnet-helper</string>|<string>$(PREFIX)/bin/vmnet-helper</string>|' \
		$(LAUNCH_AGENT_SRC) >$(DESTDIR)$(LAUNCH_AGENTS_DIR)/$(LAUNCH_AGENT).plist
	chmod 0644 $(DESTDIR)$(LAUNCH_AGENTS_DIR)/$(LAUNCH_AGENT).plist
endif

uninstall:
ifeq ($(OS),Darwin)
	-launchctl bootout gui/$$(stat -f %u /dev/console)/$(LAUNCH_AGENT) 2>/dev/null
	rm -f $(DESTDIR)$(LAUNCH_AGENTS_DIR)/$(LAUNCH_AGENT).plist
endif
	rm -f $(PROGRAMS:%=$(DESTDIR)$(PREFIX)/bin/%) \
		$(DESTDIR)$(PREFIX)/share/man/man8/vmnet-helper.8 \
		$(DESTDIR)$(PREFIX)/share/man/man1/vmnet-client.1 \
		$(SUDOERS_DOCS:sudoers.d/%=$(DESTDIR)$(DOCDIR)/sudoers.d/%)
	-rmdir $(DESTDIR)$(DOCDIR)/sudoers.d $(DESTDIR)$(DOCDIR) 2>/dev/null
ifeq ($(notdir $(PREFIX)),vmnet-helper)
	-rmdir $(DESTDIR)$(PREFIX)/share/doc $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man \
		$(DESTDIR)$(PREFIX)/share $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX) 2>/dev/null
endif

clean:
	rm -rf $(B) build-san build-fuzz

-include $(shell find $(B) -type f -name '*.d' 2>/dev/null)
