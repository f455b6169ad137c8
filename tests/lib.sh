# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Helpers for srx integration tests. Sourced by tests/guest-run inside
# the QEMU guest; every test_* function runs in its own subshell and
# fails if any assertion fails.

# Without forks: every process start costs ~0.1 s on the debug kernel
# and this runs at each test's start.
TESTS_DIR=${BASH_SOURCE[0]%/*}
[ "$TESTS_DIR" = "${BASH_SOURCE[0]}" ] && TESTS_DIR=.
TESTS_DIR=$(cd "$TESTS_DIR" && pwd)
REPO=${TESTS_DIR%/*}
BIN=$REPO/build/tests
T_FAILED=0
WAIT_TRIES=${WAIT_TRIES:-300}

fail() {
	echo "  FAIL: $*"
	T_FAILED=1
}

note() {
	echo "  $*"
}

# expect_ok CMD...: the command must succeed.
expect_ok() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || fail "'$*' exited $rc: $out"
	return $rc
}

# expect_fail CMD...: the command must fail, whatever its message.
expect_fail() {
	local out
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded, expected failure: $out"
		return 1
	fi
}

# expect_err MESSAGE CMD...: the command must fail and print MESSAGE
# (the strerror text of the expected errno).
expect_err() {
	local msg=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		fail "'$*' succeeded, expected '$msg'"
		return 1
	fi
	case $out in
	*"$msg"*) return 0 ;;
	esac
	fail "'$*' failed with '$out', expected '$msg'"
	return 1
}

# expect_match REGEX TEXT [WHAT]
expect_match() {
	if ! grep -Eq -- "$1" <<<"$2"; then
		fail "${3:-output} does not match /$1/: $2"
		return 1
	fi
}

expect_no_match() {
	if grep -Eq -- "$1" <<<"$2"; then
		fail "${3:-output} unexpectedly matches /$1/: $2"
		return 1
	fi
}

expect_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"
}

# wait_for CMD...: poll a condition that has no event to wait on
# (e.g. the GID cache, updated from a workqueue). Bounded.
wait_for() {
	local i
	for ((i = 0; i < WAIT_TRIES; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "timed out waiting for: $*"
	return 1
}

# srx's debugfs directory; gov_status DEV: the path of DEV's governance
# status table in it.
SRX_DEBUGFS=/sys/kernel/debug/srx
gov_status() {
	echo "$SRX_DEBUGFS/$1/gov_status"
}

# gov_sampler_start DEV FILE: every 100 ms, a line "sample <ms>" and
# DEV's gov_status appended to FILE, until gov_sampler_stop; its
# descriptors other than 0-2 closed (a test may hold a fifo open).
gov_sampler_start() {
	local f=$(gov_status "$1")
	(
		t0=${EPOCHREALTIME/./}
		while :; do
			echo "sample $(((${EPOCHREALTIME/./} - t0) / 1000))"
			mapfile -t st <"$f" && printf '%s\n' "${st[@]}"
			sleep 0.1
		done
	) >"$2" 8>&- 9>&- &
	GOV_SAMPLER_PID=$!
}

# gov_sampler_kill: stop the sampler, if one runs (a test's cleanup).
gov_sampler_kill() {
	[ -n "${GOV_SAMPLER_PID:-}" ] || return 0
	kill "$GOV_SAMPLER_PID" 2>/dev/null
	wait "$GOV_SAMPLER_PID" 2>/dev/null
	GOV_SAMPLER_PID=
}

# gov_sampler_stop FILE WHAT: stop the sampler and check every sample
# (tests/status_check.awk): no QP over its SRQ's size or its limit, no
# SRQ's QPs together over its size. Fails naming WHAT; notes the count.
gov_sampler_stop() {
	local out
	[ -n "${GOV_SAMPLER_PID:-}" ] || return 0
	gov_sampler_kill
	out=$(awk -f "$REPO/tests/status_check.awk" "$1")
	note "$2: $(tail -n 1 <<<"$out") of gov_status, each QP within its SRQ and limit, each SRQ within its size"
	[ "$(wc -l <<<"$out")" -eq 1 ] || fail "$2: held overstated: $(head -n -1 <<<"$out")"
	grep -q '^samples [1-9]' <<<"$out" || fail "$2: no gov_status sample"
}

# srx0_add: srx0 on eth0, once its IPv4 RoCE v2 GID (index 1) is there.
srx0_add() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return 1
	wait_for gid_v4_ready srx0
}

srx_loaded() {
	[ -d /sys/module/srx ]
}

# srx.ko is not under /lib/modules: load what it depends on first,
# plus the user-space interfaces the tests use. srx_load [PARAM=VALUE...]:
# module parameters, if it is not loaded yet.
# A module already there costs no modprobe: on the debug kernel every
# process start costs about half a second and this runs before each test.
srx_load() {
	local m deps=
	srx_loaded || deps=$(modinfo -F depends "$SRX_KO" | tr , ' ')
	for m in ib_uverbs rdma_ucm $deps; do
		[ -d "/sys/module/$m" ] || modprobe "$m" || return 1
	done
	srx_loaded || insmod "$SRX_KO" "$@" || return 1
}

srx_unload() {
	srx_loaded || return 0
	rmmod srx
}

# Remove every srx/rxe link left behind by a failed test. "rdma link
# show" prints "link DEV/PORT state ..." per port (no python: its start
# takes 1-2 s in a guest, and this runs after each test).
links_clean() {
	local dev
	while read -r _ dev _; do
		[ -n "$dev" ] && rdma link delete "${dev%/*}" 2>/dev/null
	done <<<"$(rdma link show 2>/dev/null)"
}

# After each test: no link, no rdma_rxe (it would own UDP 4791 in
# init_net and make the next "rdma link add ... type srx" fail), no netns.
# Each step only when there is something to clean (see srx_load).
env_clean() {
	compgen -G '/sys/class/infiniband/*' >/dev/null && links_clean
	[ -d /sys/module/rdma_rxe ] && modprobe -r rdma_rxe 2>/dev/null
	compgen -G '/run/netns/*' >/dev/null && ip -all netns delete 2>/dev/null
	true
}

# roce2_gid_index DEV GID: the index of GID (as sysfs writes it) on DEV's
# port 1 with type RoCE v2; fails if there is none.
roce2_gid_index() {
	local d=/sys/class/infiniband/$1/ports/1 g gid type
	for g in "$d"/gids/*; do
		read -r gid 2>/dev/null <"$g" && [ "$gid" = "$2" ] || continue
		read -r type 2>/dev/null <"$d/gid_attrs/types/${g##*/}" &&
			[ "$type" = "RoCE v2" ] || continue
		echo "${g##*/}"
		return 0
	done
	return 1
}

# gid_scan DEV: ROCE2_V4/ROCE2_LL, the lowest index of a RoCEv2
# IPv4-mapped / link-local IPv6 GID on DEV's port 1, or empty. Read from
# sysfs with shell builtins, as it is polled (ibv_devinfo takes ~1 s on
# the debug kernel).
gid_scan() {
	local d=/sys/class/infiniband/$1/ports/1 g i gid type
	ROCE2_V4=
	ROCE2_LL=
	for g in "$d"/gids/*; do
		i=${g##*/}
		read -r gid 2>/dev/null <"$g" || continue
		case $gid in
		0000:0000:0000:0000:0000:ffff:*|fe80:*) ;;
		*) continue ;;
		esac
		read -r type 2>/dev/null <"$d/gid_attrs/types/$i" || continue
		[ "$type" = "RoCE v2" ] || continue
		case $gid in
		fe80:*) [ -n "$ROCE2_LL" ] && [ "$ROCE2_LL" -lt "$i" ] || ROCE2_LL=$i ;;
		*) [ -n "$ROCE2_V4" ] && [ "$ROCE2_V4" -lt "$i" ] || ROCE2_V4=$i ;;
		esac
	done
}

# gid_v4_ready DEV: DEV has its RoCEv2 IPv4-mapped GID.
gid_v4_ready() {
	gid_scan "$1"
	[ -n "$ROCE2_V4" ]
}

# gids_ready DEV: the port has its RoCEv2 IPv4 and IPv6 (link-local)
# GIDs (the GID cache fills from a workqueue after "rdma link add").
gids_ready() {
	gid_scan "$1"
	[ -n "$ROCE2_V4" ] && [ -n "$ROCE2_LL" ]
}

# port_active DEV: DEV's port 1 is ACTIVE (sysfs "4: ACTIVE").
port_active() {
	local st
	read -r st 2>/dev/null </sys/class/infiniband/$1/ports/1/state &&
		[ "$st" = "4: ACTIVE" ]
}

# The lines "rdma link show" prints for device $1.
link_line() {
	rdma link show 2>/dev/null | grep "link $1/"
}

gids_of() {
	ibv_devinfo -v -d "$1" 2>/dev/null | grep -E 'GID\['
}

# EUI-64 node GUID ibv_devinfo prints (xxxx:xxxx:xxxx:xxxx) for MAC $1.
guid_of_mac() {
	python3 - "$1" <<'PY'
import sys
b = [int(x, 16) for x in sys.argv[1].split(':')]
b[0] ^= 2
g = b[:3] + [0xff, 0xfe] + b[3:]
print(':'.join('%02x%02x' % (g[i], g[i + 1]) for i in range(0, 8, 2)))
PY
}

mac_of() {
	cat "/sys/class/net/$1/address"
}

# make_veth A B: a veth pair with both ends up.
make_veth() {
	ip link add "$1" type veth peer name "$2" &&
		ip link set "$1" up && ip link set "$2" up
}

# start_watch DEV [N]: run srx_evwatch in the background; its output
# goes to $WATCH_OUT. Returns once the process holds an open context.
start_watch() {
	WATCH_OUT=$(mktemp)
	local fifo
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	timeout 60 "$BIN/srx_evwatch" "$@" >"$fifo" 2>&1 &
	WATCH_PID=$!
	exec 7<"$fifo"
	rm -f "$fifo"
	local line
	if ! read -r -t 30 line <&7 || [ "$line" != ready ]; then
		fail "srx_evwatch did not become ready: $line"
		return 1
	fi
	# Keep draining the pipe into the output file.
	cat <&7 >"$WATCH_OUT" &
	WATCH_CAT=$!
	exec 7<&-
}

# wait_watch: wait for srx_evwatch to exit (bounded by its timeout);
# sets WATCH_RESULT to its output without GID_CHANGE lines, whose number
# depends on address timing, and returns its status (124: timed out).
# Call it directly, not in $(...): only this shell can wait for it.
wait_watch() {
	local rc
	wait "$WATCH_PID"
	rc=$?
	wait "$WATCH_CAT"
	WATCH_RESULT=$(grep -v GID_CHANGE "$WATCH_OUT")
	rm -f "$WATCH_OUT"
	[ $rc -eq 0 ] || fail "srx_evwatch exited $rc: $WATCH_RESULT"
	return $rc
}
