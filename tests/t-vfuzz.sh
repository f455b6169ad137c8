# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The verbs and ring fuzzer, tests/verbs_fuzz.c: worker processes doing
# random verbs sequences (and scribbling over their rings, forking, being
# killed with SIGKILL) while another reads gov_status and writes gov/ctl;
# in test_vfuzz_link_delete the device is also deleted and re-added under
# them. Afterwards nothing of theirs may be left in restrack and a fresh
# process must pass a data-checked RC SEND.
#
# SRX_VFUZZ_SEED (default: the clock; printed) fixes every worker's
# operation sequence (the timing of kills and of the link deletes is not
# reproducible), SRX_VFUZZ_SECONDS how long the workers run (default 25
# on the debug kernel, where KASAN and lockdep watch them, and 20 on
# Debian's; the link-delete test fuzzes half as long; make soak 300).

# The fuzzing time of a run of make check, or as set.
VF_SECONDS=${SRX_VFUZZ_SECONDS:-20}
if [ "${SRX_KERNEL:-}" = debug ]; then
	VF_SECONDS=${SRX_VFUZZ_SECONDS:-25}
fi

VF_TYPES="qp cq pd mr srq"

# Each test's limit follows its run length (make soak runs 300 s):
# fuzzing, verbs_fuzz's own 170 s of teardown slack, then the checks.
TEST_TIMEOUT_test_vfuzz_verbs=$((VF_SECONDS + 240))
TEST_TIMEOUT_test_vfuzz_link_delete=$((VF_SECONDS / 2 + 300))

# The seed of this run.
vf_seed() {
	echo "${SRX_VFUZZ_SEED:-$(date +%s)}"
}

# vf_report FILE RC: the summary of verbs_fuzz's output FILE, all of it
# when it failed (exit status RC).
vf_report() {
	local out=$1 rc=$2
	if [ "$rc" -ne 0 ]; then
		fail "verbs_fuzz exited $rc:"
		tail -n 300 "$out"
		return
	fi
	grep -E '^(ops:|ok -|not ok -|# (anomaly|slow|kernel splat|worker .* (died|ended|exited)|forks|gov_status|completion statuses|hw counters))' "$out"
	grep -q '^# anomaly' "$out" &&
		note "anomalies above: limits or reference counts the kernel did not enforce"
	return 0
}

# Nothing a verbs_fuzz process created may be left in restrack.
vf_restrack_empty() {
	local t left
	for t in $VF_TYPES; do
		left=$(rdma res show "$t" 2>/dev/null | grep 'comm verbs_fuzz')
		[ -z "$left" ] || fail "rdma res show $t: left from verbs_fuzz: $left"
	done
}

# vf_watch_start / vf_watch_stop: meanwhile, dump restrack with srx's
# driver attributes, the counters and the device over and over (objects
# being created, destroyed and torn down with the device); a dump that
# hangs is noted in $VF_WATCH_LOG.
vf_watch_start() {
	VF_WATCH_LOG=$(mktemp)
	(
		while :; do
			for t in qp srq cq mr pd; do
				timeout 60 rdma res show "$t" -dd
				[ $? -eq 124 ] && echo "rdma res show $t -dd hung" >&3
			done
			timeout 60 rdma statistic show >/dev/null
			[ $? -eq 124 ] && echo "rdma statistic show hung" >&3
			timeout 60 ibv_devinfo -v -d srx0 >/dev/null
			sleep 1
		done
	) >/dev/null 2>&1 3>"$VF_WATCH_LOG" &
	VF_WATCH=$!
}

vf_watch_stop() {
	kill "$VF_WATCH" 2>/dev/null
	wait "$VF_WATCH" 2>/dev/null
	[ -s "$VF_WATCH_LOG" ] && fail "$(sort -u "$VF_WATCH_LOG")"
	rm -f "$VF_WATCH_LOG"
}

# srx0 on eth0. verbs_fuzz waits for its GID itself.
vf_add() {
	expect_ok rdma link add srx0 type srx netdev eth0
}

test_vfuzz_verbs() {
	local seed secs out rc t
	seed=$(vf_seed)
	secs=$VF_SECONDS
	note "seed $seed, $secs s (SRX_VFUZZ_SEED=$seed reproduces the workers' sequences)"
	vf_add || return
	out=$(mktemp)
	vf_watch_start
	t=$SECONDS
	timeout -s KILL $((secs + 170)) "$BIN/verbs_fuzz" -d srx0 \
		--seed "$seed" --seconds "$secs" >"$out" 2>&1
	rc=$?
	vf_watch_stop
	note "verbs_fuzz took $((SECONDS - t)) s (fuzzing, teardown, check)"
	vf_report "$out" $rc
	rm -f "$out"
	vf_restrack_empty
}

test_vfuzz_link_delete() {
	local seed secs out rc pid t0 t n=0 dt procs=4 small=
	seed=$(vf_seed)
	secs=$((VF_SECONDS / 2))
	[ "$secs" -lt 10 ] && secs=10
	# On the debug kernel a delete under 4 workers' objects takes half
	# a minute (every MW's deallocation waits for an RCU grace period),
	# and longer behind a create of one of the largest queues, which
	# takes it seconds.
	if [ "${SRX_KERNEL:-}" = debug ]; then
		procs=2
		small="--max-queue 1024"
	fi
	note "seed $seed, $procs workers, ~$secs s with rdma link delete/add in the middle (SRX_VFUZZ_SEED=$seed)"
	vf_add || return
	RANDOM=$seed
	out=$(mktemp)
	# --seconds is the most it may run: it gets SIGTERM once srx0 has
	# been deleted and re-added 3 times under it (which takes the debug
	# kernel 2 minutes) and it has run $secs s.
	timeout -s KILL $((secs + 270)) "$BIN/verbs_fuzz" -d srx0 \
		--seed "$seed" --seconds $((secs + 150)) --procs $procs $small \
		>"$out" 2>&1 &
	pid=$!
	vf_watch_start
	t0=$SECONDS
	sleep 2
	# 3 rounds at least, unless the (slow, loaded) debug kernel is still
	# in the second one after secs + 60 s; more while time is left.
	while [ $n -lt 3 ] ||
	      { [ $n -lt 8 ] && [ $((SECONDS - t0)) -lt $((secs * 7 / 10)) ]; }; do
		[ $((SECONDS - t0)) -ge $((secs + 60)) ] && break
		t=$SECONDS
		if ! timeout 120 rdma link delete srx0; then
			fail "rdma link delete srx0 (round $n) failed or hung ($((SECONDS - t)) s)"
			break
		fi
		dt=$((SECONDS - t))
		sleep 0.$((RANDOM % 9 + 1))
		t=$SECONDS
		if ! timeout 60 rdma link add srx0 type srx netdev eth0; then
			fail "rdma link add srx0 (round $n) failed"
			break
		fi
		n=$((n + 1))
		note "round $n at $((t - t0)) s: delete took $dt s, add $((SECONDS - t)) s"
		sleep $((RANDOM % 3)).$((RANDOM % 10))
	done
	[ $n -ge 2 ] || fail "srx0 deleted and re-added only $n times under the workers"
	[ $n -ge 3 ] || note "only $n rounds within $((secs + 60)) s (a loaded host?)"
	# Fuzz on the last device for a while, then end it.
	while [ $((SECONDS - t0)) -lt "$secs" ]; do sleep 1; done
	t=$SECONDS
	kill -TERM $pid 2>/dev/null
	wait $pid
	rc=$?
	vf_watch_stop
	note "fuzzing ended at $((t - t0)) s, teardown and check took $((SECONDS - t)) s"
	vf_report "$out" $rc
	rm -f "$out"
	vf_restrack_empty
	# Deletable and re-addable afterwards, and working.
	t=$SECONDS
	expect_ok timeout 120 rdma link delete srx0 || return
	expect_eq "$(rdma res show 2>/dev/null | grep -c srx0)" 0 "restrack after delete"
	vf_add || return
	expect_ok "$BIN/verbs_fuzz" -d srx0 --check-only
	note "delete, add and check afterwards took $((SECONDS - t)) s"
}
