# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Conformance: make check runs it on the stock kernel (about 40 s for
# both providers); `make pyverbs` runs it on the debug kernel.
#
# rdma-core's own test suite (pyverbs; Debian ships it in
# /usr/share/doc/rdma-core/tests, partly gzipped) run as rdma-core runs
# it, `run_tests.py --dev DEV --gid N -v`, against srx0 and, in the same
# boot, against rdma_rxe on the same netdev (one after the other: they
# cannot both serve UDP 4791 in one namespace). Fails if any test fails
# on srx, or if srx passes fewer than rxe. Prints both counts and every
# test whose verdicts differ.

PV_DIR=/tmp/pyverbs-suite
TEST_TIMEOUT_test_pyverbs_srx_vs_rxe=1500

# pv_prepare: a runnable copy of the suite.
pv_prepare() {
	rm -rf "$PV_DIR"
	mkdir -p "$PV_DIR"
	cp -r /usr/share/doc/rdma-core/tests "$PV_DIR/" || return 1
	gunzip -f "$PV_DIR"/tests/*.gz
}

# pv_gid DEV: its IPv4 RoCE v2 GID index.
pv_gid() {
	ibv_devinfo -v -d "$1" 2>/dev/null | awk '/GID\[/ && /::ffff:/ && /RoCE v2/ {
		i = $0; sub(/.*GID\[ */, "", i); sub(/\].*/, "", i); print i; exit }'
}

# pv_run DEV OUT: the suite on DEV; OUT gets "test verdict" lines.
pv_run() {
	local gid
	wait_for gid_v4_ready "$1" || return 1
	gid=$(pv_gid "$1")
	(cd "$PV_DIR/tests" && timeout 700 python3 "$TESTS_DIR/pyverbs_run.py" \
		"$PV_DIR/tests" --dev "$1" --gid "$gid") >"$2.log" 2>&1
	awk '$1 == "VERDICT" { print $2, $3 }' "$2.log" >"$2"
	note "$1: $(grep -c ' ok$' "$2") passed, $(grep -Ec ' (FAIL|ERROR)$' "$2") failed, $(grep -c ' skipped$' "$2") skipped ($(grep -m1 '^Ran ' "$2.log"))"
}

test_pyverbs_srx_vs_rxe() {
	local out=/tmp/pyverbs.$$ s r
	pv_prepare || { fail "cannot copy the suite"; return; }
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	pv_run srx0 "$out.srx"
	expect_ok rdma link delete srx0
	expect_ok modprobe rdma_rxe || return
	expect_ok rdma link add rxe0 type rxe netdev eth0 || return
	pv_run rxe0 "$out.rxe"
	rdma link delete rxe0
	modprobe -r rdma_rxe
	s=$(grep -c ' ok$' "$out.srx")
	r=$(grep -c ' ok$' "$out.rxe")
	grep -E ' (FAIL|ERROR)$' "$out.srx" | while read -r t v; do
		fail "srx: $t $v"
	done
	# What unittest said of each, traceback included.
	grep -q -E ' (FAIL|ERROR)$' "$out.srx" &&
		note "$(awk '/^(ERROR|FAIL): /{p=1} /^Ran /{p=0} p' "$out.srx.log" | head -n 80)"
	# Every test whose verdicts differ, rxe's first.
	# (No process substitution: the guest has no /dev/fd.)
	sort "$out.rxe" >"$out.rxe.s"
	sort "$out.srx" >"$out.srx.s"
	join "$out.rxe.s" "$out.srx.s" |
		awk '$2 != $3 { print "  rxe " $2 ", srx " $3 ": " $1 }' |
		while IFS= read -r line; do note "$line"; done
	[ "$s" -ge "$r" ] || fail "srx passes $s tests, rdma_rxe $r"
	[ "$s" -gt 0 ] || fail "no test ran on srx: $(tail -n 5 "$out.srx.log")"
	rm -f "$out".*
}
