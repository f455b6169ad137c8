# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Teardown under traffic, repeated: SRX_TEARDOWN_ROUNDS rounds (default
# 4, one per method, in make check; make soak runs 20) on one kernel, the removal methods taking turns: round r removes
# the traffic by method r % 4 -- "rdma link delete srx0", "rmmod srx"
# with the link and the traffic live, eth0 down and up again, kill -9 of
# the traffic's processes. One test per method (its rounds), so that
# each stays within guest-run's time limit on the debug kernel; the
# traffic rotates over the rounds too: ib_write_bw, ib_send_bw on an SRQ
# (governance charging and crediting), ib_read_bw, ib_send_bw.
#
# Every step is bounded: a removal that does not return or a process
# that does not exit fails the round with its kernel stack. After each
# round restrack must hold nothing of the traffic (and nothing of srx
# once its device is gone), and the module must unload and load again
# and the link be added again and carry a data-checked pass of
# build/tests/fault_ops. tests/guest-run fails a test on any splat.

# traffic_start and traffic's helpers: t-traffic.sh. Its tests
# are its own: not tests of this file.
. "$(dirname "${BASH_SOURCE[0]}")/t-traffic.sh"
unset -f $(declare -F | awk '$3 ~ /^test_traffic_/ { print $3 }')

TD_ROUNDS=${SRX_TEARDOWN_ROUNDS:-4}
# A round takes up to ~75 s on the debug kernel.
TD_LIMIT=$(( (TD_ROUNDS + 3) / 4 * 120 + 60 ))
TEST_TIMEOUT_test_teardown_under_traffic_link_delete=$TD_LIMIT
TEST_TIMEOUT_test_teardown_under_traffic_rmmod=$TD_LIMIT
TEST_TIMEOUT_test_teardown_under_traffic_netdev_down=$TD_LIMIT
TEST_TIMEOUT_test_teardown_under_traffic_kill=$TD_LIMIT
TD_PROCS='ib_(write|read|send)_bw'
TD_TOOLS=(ib_write_bw ib_send_bw_srq ib_read_bw ib_send_bw)

# ib_send_bw on an SRQ, under a name traffic_start takes as a tool.
td_srq_tool() {
	mkdir -p /tmp/td-bin
	printf '#!/bin/sh\nexec ib_send_bw --use-srq "$@"\n' >/tmp/td-bin/ib_send_bw_srq
	chmod +x /tmp/td-bin/ib_send_bw_srq
	PATH=/tmp/td-bin:$PATH
}

# The kernel stacks of the processes matching $TD_PROCS, or of PID $1.
td_stacks() {
	local pid
	for pid in ${1:-$(pgrep -f "$TD_PROCS")}; do
		echo "  pid $pid ($(cat /proc/$pid/comm 2>/dev/null)," \
			"state $(awk '/^State:/ { print $2 }' /proc/$pid/status 2>/dev/null)," \
			"wchan $(cat /proc/$pid/wchan 2>/dev/null)):"
		sed 's/^/    /' /proc/$pid/stack 2>/dev/null
	done
}

# td_bounded SECONDS CMD...: CMD must end within SECONDS (a removal
# stuck in the kernel cannot be killed: it is left and reported).
# Returns CMD's status, 124 if it hangs.
td_bounded() {
	local secs=$1 pid i out
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1 &
	pid=$!
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 $pid 2>/dev/null; then
		fail "'$*' did not return within $secs s:"
		td_stacks $pid
		rm -f "$out"
		return 124
	fi
	wait $pid
	i=$?
	[ $i -eq 0 ] || fail "'$*' exited $i: $(cat "$out")"
	rm -f "$out"
	return $i
}

td_gone() {
	! pgrep -f "$TD_PROCS" >/dev/null
}

# Kill what is left of the traffic; every process must be gone within
# WAIT_TRIES/10 s. (The two jobs are a timeout and a subshell: they go at
# once, whatever state perftest is in.)
td_stop() {
	{
		kill -9 "$TR_SERVER" "$TR_CLIENT"
		wait "$TR_SERVER" "$TR_CLIENT"
	} 2>/dev/null
	pkill -9 -f "$TD_PROCS"
	if ! wait_for td_gone; then
		fail "traffic processes still there after kill -9:"
		td_stacks
		return 1
	fi
	return 0
}

# No object of any process on srx0 (only the core's own: "comm [...]").
td_no_user_objects() {
	local t
	for t in qp cq pd mr srq ctx; do
		rdma res show $t 2>/dev/null | grep -E '(dev|link) srx0[ /]' |
			grep -qv 'comm \[' && return 1
	done
	return 0
}

td_res_idle() {
	[ "$(rdma res show 2>/dev/null | grep ' srx0: ')" = "$TD_IDLE" ] &&
		td_no_user_objects
}

td_no_srx_objects() {
	[ "$(rdma res show 2>/dev/null | grep -c srx)" -eq 0 ]
}

# ---- the four removals; each returns once the traffic is gone ----

td_link_delete() {
	td_bounded 60 rdma link delete srx0
	td_stop || return 1
	expect_eq "$(rdma link show)" "" "links after delete"
	wait_for td_no_srx_objects ||
		fail "restrack after link delete: $(rdma res show | grep srx)"
}

td_rmmod() {
	td_bounded 120 rmmod srx || { td_stop; return 1; }
	td_stop || return 1
	expect_eq "$(ls /sys/class/infiniband)" "" "devices after rmmod"
	srx_loaded && fail "srx still loaded after rmmod"
	wait_for td_no_srx_objects ||
		fail "restrack after rmmod: $(rdma res show | grep srx)"
}

td_retrying() {
	[ "$(cat /sys/class/infiniband/srx0/ports/1/hw_counters/retry_timeouts 2>/dev/null || echo 0)" -gt "$TD_RETRY0" ]
}

td_netdev_down() {
	TD_RETRY0=$(cat /sys/class/infiniband/srx0/ports/1/hw_counters/retry_timeouts)
	td_bounded 60 ip link set eth0 down || { td_stop; return 1; }
	# Nothing gets through now: the RC QPs time out and retry.
	wait_for td_retrying
	td_bounded 60 ip link set eth0 up || { td_stop; return 1; }
	td_stop || return 1
	wait_for port_active srx0
	wait_for gids_ready srx0
	wait_for td_res_idle ||
		fail "restrack after eth0 down/up: $(rdma res show | grep srx0)"
}

td_kill() {
	td_stop || return 1
	wait_for td_res_idle ||
		fail "restrack after kill -9: $(rdma res show | grep srx0)"
}

# ---- rounds ----

# td_round R METHOD: traffic, then METHOD removes it; then the module
# goes and comes back and the link carries data again.
td_round() {
	local r=$1 method=$2 tool=${TD_TOOLS[$(($1 / 4 % 4))]} t0=$SECONDS
	local t1 t2 t3 out
	srx_loaded || srx_load || { fail "round $r: cannot load srx"; return 1; }
	link_line srx0 >/dev/null || srx0_add || return 1
	wait_for gids_ready srx0 || return 1
	TD_IDLE=$(rdma res show 2>/dev/null | grep ' srx0: ')
	t1=$SECONDS
	if ! traffic_start srx0 "$tool"; then
		fail "round $r: no $tool traffic: $(cat $TR_LOG/server $TR_LOG/client 2>/dev/null | tail -n 5)"
		td_stop
		return 1
	fi
	t2=$SECONDS
	"$method" || { fail "round $r ($tool, $method) failed"; return 1; }
	t3=$SECONDS
	# The module unloads and loads again, the link comes back and works.
	if link_line srx0 >/dev/null; then
		td_bounded 60 rdma link delete srx0 || return 1
	fi
	if srx_loaded; then
		td_bounded 120 rmmod srx || return 1
	fi
	srx_load || { fail "round $r: srx does not load again"; return 1; }
	srx0_add || return 1
	wait_for gids_ready srx0 || return 1
	out=$(timeout 120 "$BIN/fault_ops" -d srx0 -n 1 2>&1) ||
		{ fail "round $r: srx0 does not work again: $out"; return 1; }
	note "round $r: $tool, $method: $((SECONDS - t0)) s (setup $((t1 - t0)), traffic start $((t2 - t1)), removal $((t3 - t2)), reload and check $((SECONDS - t3)))"
}

# td_rounds K METHOD: the rounds r < TD_ROUNDS with r % 4 == K.
td_rounds() {
	local r n=0
	td_srq_tool
	for ((r = $1; r < TD_ROUNDS; r += 4)); do
		td_round $r "$2" || return
		n=$((n + 1))
	done
	[ $n -gt 0 ] || note "no round of $2 in $TD_ROUNDS rounds"
}

test_teardown_under_traffic_link_delete() { td_rounds 0 td_link_delete; }
test_teardown_under_traffic_rmmod() { td_rounds 1 td_rmmod; }
test_teardown_under_traffic_netdev_down() { td_rounds 2 td_netdev_down; }
test_teardown_under_traffic_kill() { td_rounds 3 td_kill; }
