# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The verbs control path of an srx device through stock libibverbs:
# one test per group of build/tests/verbs_test (see tests/verbs_test.c).

# verbs_group GROUP: add srx0 on eth0 and run one verbs_test group.
verbs_group() {
	local out rc
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	wait_for gids_ready srx0 || return
	out=$("$BIN/verbs_test" -d srx0 "$1" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "verbs_test -d srx0 $1 exited $rc:"
		echo "$out"
	fi
}

test_verbs_device() { verbs_group device; }
test_verbs_pd() { verbs_group pd; }
test_verbs_mr() { verbs_group mr; }
test_verbs_mw() { verbs_group mw; }
test_verbs_ah() { verbs_group ah; }
test_verbs_cq() { verbs_group cq; }
test_verbs_srq() { verbs_group srq; }
test_verbs_qp() { verbs_group qp; }
test_verbs_limits() { verbs_group limits; }
test_verbs_fork() { verbs_group fork; }

# abuse_case CASE: add srx0 and run one case of build/tests/verbs_abuse.
abuse_case() {
	local out
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	out=$("$BIN/verbs_abuse" -d srx0 "$1" 2>&1) || fail "$out"
	note "$out"
}

test_verbs_cq_resize_keeps_order() { abuse_case cq_resize_keeps_order; }
test_verbs_cq_overflow_event() { abuse_case cq_overflow_event; }
test_verbs_last_wqe_event() { abuse_case last_wqe_event; }

test_verbs_flush_race() { abuse_case flush_race; }
test_verbs_publish_race() { abuse_case publish_race; }

test_verbs_ring_tamper() {
	abuse_case ring_tamper
	# The process is gone: nothing of it may be left in restrack.
	expect_eq "$(rdma res show qp | grep -c verbs_abuse)" 0 "QPs left"
}
