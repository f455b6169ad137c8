# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# srx: out-of-tree build of srx.ko for Debian's 6.12 kernel, plus the
# test programs and tools. The host may run another kernel: KVER is the
# newest installed 6.12 kernel, never `uname -r`.

KVER ?= $(shell ls /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+.*-amd64$$' | sort -V | tail -n1)
KDIR ?= /lib/modules/$(KVER)/build
SRX := drivers/infiniband/sw/srx
# CFLAGS/CPPFLAGS/LDFLAGS from the environment (dpkg-buildflags) come on top.
CFLAGS_USER := -O2 -g -Wall -Wextra -Werror -Iinclude/uapi -Itools/srxctl \
	       $(CPPFLAGS) $(CFLAGS)
TEST_PROGS := $(patsubst tests/%.c,build/tests/%,$(wildcard tests/*.c))
LIBSRXCTL := build/tools/libsrxctl.a

.PHONY: all module module-debug test-progs tools check hosts demo bench soak clean

all: module tools test-progs

# W=1 and sparse; scripts/kbuild fails on any compiler or sparse warning.
module:
	scripts/kbuild $(KDIR) .

# The same sources built for the cached debug (KASAN/lockdep/KUnit)
# kernel: out of tree (M=, with the kernel ULP test module) and inside
# that kernel's tree (CONFIG_RDMA_SRX=m), the srx.ko its guests load.
module-debug:
	scripts/kbuild "$$(scripts/build-kernel debug --print-dir)/obj" build/debug
	scripts/kbuild-intree

test-progs: $(TEST_PROGS)

build/tests/%: tests/%.c tests/testlib.h tests/ringlib.h tests/data_lib.h $(LIBSRXCTL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -o $@ $< $(LIBSRXCTL) -libverbs -lrdmacm

# tools/srxctl: libsrxctl (governance methods, the operator's sysfs and
# netlink view) and the srxctl CLI.
tools: build/tools/srxctl

$(LIBSRXCTL): tools/srxctl/libsrxctl.c tools/srxctl/nl.c \
	      tools/srxctl/srxctl.h include/uapi/rdma/srx-abi.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -c -o build/tools/libsrxctl.o $<
	$(CC) $(CFLAGS_USER) -c -o build/tools/nl.o tools/srxctl/nl.c
	$(AR) rcs $@ build/tools/libsrxctl.o build/tools/nl.o

build/tools/srxctl: tools/srxctl/srxctl.c $(LIBSRXCTL)
	$(CC) $(CFLAGS_USER) $(LDFLAGS) -o $@ $< $(LIBSRXCTL) -libverbs

# make install / uninstall: srx.ko into the kernel's updates directory
# (modprobe, and `rdma link add ... type srx` loads it by its alias),
# srxctl, libsrxctl with its headers, and the man pages. DESTDIR and
# prefix as usual; the module goes under $(DESTDIR)/lib/modules/$(KVER).
prefix ?= /usr/local
sbindir ?= $(prefix)/sbin
libdir ?= $(prefix)/lib
includedir ?= $(prefix)/include
mandir ?= $(prefix)/share/man
MODDIR := $(DESTDIR)/lib/modules/$(KVER)/updates
MANPAGES := Documentation/man/srxctl.8 Documentation/man/srx.7 \
	    Documentation/man/libsrxctl.3

.PHONY: install install-module install-utils uninstall deb
install: install-module install-utils

install-module: module
	install -D -m 0644 $(SRX)/srx.ko $(MODDIR)/srx.ko
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)

install-utils: tools
	install -D -m 0755 build/tools/srxctl $(DESTDIR)$(sbindir)/srxctl
	install -D -m 0644 $(LIBSRXCTL) $(DESTDIR)$(libdir)/libsrxctl.a
	install -D -m 0644 tools/srxctl/srxctl.h \
		$(DESTDIR)$(includedir)/srxctl.h
	install -D -m 0644 include/uapi/rdma/srx-abi.h \
		$(DESTDIR)$(includedir)/rdma/srx-abi.h
	install -D -m 0644 -t $(DESTDIR)$(mandir)/man8 Documentation/man/srxctl.8
	install -D -m 0644 -t $(DESTDIR)$(mandir)/man7 Documentation/man/srx.7
	install -D -m 0644 -t $(DESTDIR)$(mandir)/man3 Documentation/man/libsrxctl.3

uninstall:
	rm -f $(MODDIR)/srx.ko $(DESTDIR)$(sbindir)/srxctl \
	      $(DESTDIR)$(libdir)/libsrxctl.a $(DESTDIR)$(includedir)/srxctl.h \
	      $(DESTDIR)$(includedir)/rdma/srx-abi.h \
	      $(DESTDIR)$(mandir)/man8/srxctl.8 $(DESTDIR)$(mandir)/man7/srx.7 \
	      $(DESTDIR)$(mandir)/man3/libsrxctl.3
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)

# Debian packages srx-dkms and srx-utils in build/deb, checked by lintian.
deb:
	scripts/mkdeb

# rdma-core's pyverbs suite against srx and rdma_rxe in one guest boot on
# the debug kernel (tests/t-pyverbs.sh; make check runs it on the stock
# kernel only, for time).
.PHONY: pyverbs
pyverbs: all module-debug
	scripts/vm-run --kernel debug --timeout 3600 -- "SRX_DEBUG_SKIP= SRX_TEST_FILES=tests/t-pyverbs.sh tests/guest-run"

# The Debian packages installed on this host with apt-get as a user
# would, used in a guest with nothing loaded by hand, then purged
# (tests/install-check; changes the host's packages, so not part of
# make check).
.PHONY: install-check
install-check: deb
	tests/install-check

# The in-tree form as a patch series against linux-source-6.12 in
# build/patches (applied with git am, checkpatch --strict on each).
.PHONY: patches
patches:
	scripts/mkpatches

check:
	scripts/check

# Tests across two guests on a virtual wire (also part of make check).
hosts: all
	tests/hosts-check $(HOSTS_ARGS)

demo:
	scripts/setup
	$(MAKE) all
	scripts/demo

# srx vs rdma_rxe vs TCP in one guest boot; BENCH_ARGS e.g. '--only rxe'.
bench:
	$(MAKE) all
	scripts/bench $(BENCH_ARGS)

# A long fuzz in one guest boot: tests/t-fuzz.sh's test_fuzz_packets
# SRX_FUZZ_RUNS times (default 20), each with SRX_FUZZ_COUNT packets
# (default 250000) and its own seed (SRX_FUZZ_SEED + run; the clock by
# default); FUZZ_KERNEL=debug for the debug kernel. Stops at the first
# failing run, whose seed reproduces it.
.PHONY: fuzz
fuzz: all
	@runs=$${SRX_FUZZ_RUNS:-20}; count=$${SRX_FUZZ_COUNT:-250000}; \
	seed=$${SRX_FUZZ_SEED:-$$(date +%s)}; \
	echo "fuzz: $$runs runs of $$count packets, seeds $$seed + 1..$$runs"; \
	scripts/vm-run --kernel $${FUZZ_KERNEL:-stock} \
		--timeout $$((runs * 320 + 300)) -- "for i in \$$(seq $$runs); do \
		SRX_FUZZ_SEED=\$$(($$seed + i)) SRX_FUZZ_COUNT=$$count \
		SRX_FUZZ_SECONDS=240 tests/guest-run t-fuzz.sh:test_fuzz_packets || exit 1; done"

# The adversarial tests long, on the debug kernel (SOAK_KERNEL=stock for
# the other): teardown under traffic SRX_TEARDOWN_ROUNDS times (default
# 20, the methods taking turns), the verbs fuzzer SRX_VFUZZ_SECONDS
# (default 300), fault injection with 60 s random runs (also those
# failing every Nth allocation) and a 600 s systematic one
# (SRX_FAULT_SECONDS, SRX_FAULT_NTH_SECONDS). make check
# runs each of them short.
soak: all
	@if [ "$${SOAK_KERNEL:-debug}" = debug ]; then $(MAKE) module-debug; fi
	scripts/vm-run --kernel $${SOAK_KERNEL:-debug} --timeout 14400 -- \
		"export SRX_TEARDOWN_ROUNDS=$${SRX_TEARDOWN_ROUNDS:-20} \
		SRX_VFUZZ_SECONDS=$${SRX_VFUZZ_SECONDS:-300} \
		SRX_FAULT_SECONDS=$${SRX_FAULT_SECONDS:-60} \
		SRX_FAULT_NTH_SECONDS=$${SRX_FAULT_NTH_SECONDS:-600} \
		SRX_FAULT_BUDGET=900 SRX_FAULT_EVERY=1 SRX_STOCK_SKIP=; rc=0; \
		for t in t-teardown t-vfuzz t-fault; do \
		tests/guest-run \$$t || rc=1; done; exit \$$rc"

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build
