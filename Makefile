# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# srx: out-of-tree build of srx.ko for Debian's 6.12 kernel, plus the
# test programs and tools. The host may run another kernel: KVER is the
# newest installed 6.12 kernel, never `uname -r`.

KVER ?= $(shell ls /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+.*-amd64$$' | sort -V | tail -n1)
KDIR ?= /lib/modules/$(KVER)/build
SRX := drivers/infiniband/sw/srx
CFLAGS_USER := -O2 -g -Wall -Wextra -Werror
TEST_PROGS := $(patsubst tests/%.c,build/tests/%,$(wildcard tests/*.c))

.PHONY: all module module-debug test-progs check demo bench clean

all: module test-progs

# W=1 and sparse; scripts/kbuild fails on any compiler or sparse warning.
module:
	scripts/kbuild $(KDIR) .

# The same sources built for the cached debug (KASAN/lockdep/KUnit) kernel.
module-debug:
	scripts/kbuild "$$(scripts/build-kernel debug --print-dir)/obj" build/debug

test-progs: $(TEST_PROGS)

build/tests/%: tests/%.c tests/testlib.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -o $@ $< -libverbs -lrdmacm

check:
	scripts/check

demo:
	scripts/setup
	$(MAKE) all
	scripts/demo

# srx vs rdma_rxe vs TCP in one guest boot; BENCH_ARGS e.g. '--only rxe'.
bench:
	$(MAKE) all
	scripts/bench $(BENCH_ARGS)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build
