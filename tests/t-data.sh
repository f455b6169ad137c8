# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The data path: build/tests/data_test (see tests/data_test.c), the
# rdma-core example programs, rdma_cm tools and perftest, all on one
# device over its RoCEv2 IPv4 and IPv6 GIDs; then srx <-> rdma_rxe
# interop over a veth pair (srx in a network namespace) and the same
# under netem loss/reordering.
#
# DATA_PROV=srx (default) runs everything on srx0 (eth0); DATA_PROV=rxe
# runs the single-device tests on rdma_rxe's rxe0 instead, to validate
# the tests themselves against the reference provider (the interop and
# netem tests need srx and are skipped). DATA_INTEROP_SETUP_ONLY=1 runs
# only the plumbing part of the interop/netem tests (namespace, veth,
# both devices and their GIDs), not the traffic.

DATA_PROV=${DATA_PROV:-srx}
DATA_IP4=10.0.2.15
DATA_TMO=${DATA_TMO:-90}	# bound for each program run
DATA_NS=nsA
DATA_A4=192.168.77.1		# vethA, in nsA, srx1
DATA_B4=192.168.77.2		# vethB, init_net, rxe1
DATA_A6=fd00:77::1
DATA_B6=fd00:77::2

# Checks of data_test that rdma_rxe (Debian 6.12) fails because of rxe
# bugs, with the reason (see the "rxe:" comments in data_test.c). They
# are tolerated only for DATA_PROV=rxe.
DATA_RXE_KNOWN='
err.recv_too_small.send_wc	rxe: REM_OP_ERR instead of REM_INV_REQ_ERR (short receive treated as malformed WQE)
err.recv_too_small.recv_wc	rxe: LOC_QP_OP_ERR instead of LOC_LEN_ERR
err.bad_lkey.wc	rxe: the failing WQE completes with WR_FLUSH_ERR instead of LOC_PROT_ERR
mw.type1.before_window.wc	rxe: MW access checked against the MR bounds, not the window
mw.type1.before_window.untouched	rxe: MW access checked against the MR bounds, not the window
mw.type1_outside.after_window.wc	rxe: MW access checked against the MR bounds, not the window
mw.type2.after_window.wc	rxe: MW access checked against the MR bounds, not the window
mw.type2.after_window.untouched	rxe: MW access checked against the MR bounds, not the window
rc.send_inv.recv_inv_flag	rxe: sets kernel IB_WC_WITH_INVALIDATE (bit 2 = IBV_WC_IP_CSUM_OK) in the user CQE, not IBV_WC_WITH_INV
'

# ---------------------------------------------------------------- devices


# data_gid DEV ADDR: index of the device's RoCEv2 GID for that address.
data_gid() {
	ibv_devinfo -v -d "$1" 2>/dev/null | awk -v want="$2" '
		/GID\[/ && /RoCE v2/ {
			i = $0; sub(/.*GID\[ */, "", i); sub(/\].*/, "", i)
			g = $0; sub(/.*GID\[[ 0-9]*\]:[ \t]*/, "", g)
			sub(/,.*/, "", g)
			if (g == want || g == "::ffff:" want) { print i; exit }
		}'
}

# data_dev_add: the device under test on eth0, named in $DEV.
data_dev_add() {
	trap data_cleanup EXIT
	case $DATA_PROV in
	srx)
		DEV=srx0
		expect_ok rdma link add srx0 type srx netdev eth0 || return
		;;
	rxe)
		DEV=rxe0
		data_rxe_load || return
		expect_ok rdma link add rxe0 type rxe netdev eth0 || return
		;;
	*)
		fail "DATA_PROV must be srx or rxe, not '$DATA_PROV'"
		return 1
		;;
	esac
	wait_for gids_ready "$DEV" || return
	gid_scan "$DEV"
	GID4=$ROCE2_V4
	GID6=$ROCE2_LL
	LL6=$(ip -6 addr show dev eth0 scope link |
	      awk '/inet6/ { sub(/\/.*/, "", $2); print $2; exit }')
	[ -n "$GID4" ] && [ -n "$GID6" ] && [ -n "$LL6" ] ||
		{ fail "no GIDs/addresses: '$GID4' '$GID6' '$LL6'"; return 1; }
}

# ---------------------------------------------------------------- processes

DATA_PIDS=()

# data_bg OUTFILE CMD...: CMD in the background (bounded), output to OUTFILE.
data_bg() {
	local out=$1
	shift
	timeout "$DATA_TMO" "$@" >"$out" 2>&1 &
	BG_PID=$!
	DATA_PIDS+=("$BG_PID")
}

# Kill what is still running of our background programs.
data_cleanup() {
	local p
	for p in "${DATA_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${DATA_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	DATA_PIDS=()
	if ip netns list 2>/dev/null | grep -qw "$DATA_NS"; then
		ip netns pids "$DATA_NS" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns exec "$DATA_NS" rdma link delete srx1 2>/dev/null
		ip netns delete "$DATA_NS" 2>/dev/null
	fi
	rdma link delete rxe1 2>/dev/null
	ip link delete vethB 2>/dev/null
	# rdma_rxe binds UDP 4791 in init_net while it is loaded, which
	# keeps srx devices on init_net netdevs from being created: unload
	# it again if this test loaded it.
	if [ "${DATA_RXE_LOADED:-0}" = 1 ]; then
		rdma link delete rxe0 2>/dev/null
		modprobe -r rdma_rxe 2>/dev/null ||
			echo "  FAIL: cannot unload rdma_rxe"
		DATA_RXE_LOADED=0
	fi
	return 0
}

# data_rxe_load: modprobe rdma_rxe, remembering to unload it afterwards.
data_rxe_load() {
	[ -d /sys/module/rdma_rxe ] || DATA_RXE_LOADED=1
	expect_ok modprobe rdma_rxe
}

# tcp_listening PORT [NS]
tcp_listening() {
	if [ -n "${2:-}" ]; then
		ip netns exec "$2" ss -Hltn "sport = :$1" | grep -q .
	else
		ss -Hltn "sport = :$1" | grep -q .
	fi
}

# cm_listening: some rdma_cm ID is listening.
cm_listening() {
	rdma res show cm_id 2>/dev/null | grep -q LISTEN
}

DATA_PORT=$((20000 + RANDOM % 20000))
next_port() {
	DATA_PORT=$((DATA_PORT + 1))
}

# server_client NAME WAITCMD SERVER... -- CLIENT...: start the server,
# wait until WAITCMD (a function name, with $DATA_PORT in scope) holds,
# run the client; both must exit 0. Their output is in $SRV_OUT and
# $CLI_OUT afterwards.
server_client() {
	local name=$1 waitcmd=$2 srv=() rc src f
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		srv+=("$1")
		shift
	done
	shift
	f=$(mktemp)
	data_bg "$f" "${srv[@]}"
	local spid=$BG_PID
	if ! wait_for $waitcmd; then
		kill "$spid" 2>/dev/null
		wait "$spid"
		fail "$name: server did not start: $(cat "$f")"
		rm -f "$f"
		return 1
	fi
	CLI_OUT=$(timeout "$DATA_TMO" "$@" 2>&1)
	rc=$?
	wait "$spid"
	src=$?
	SRV_OUT=$(cat "$f")
	rm -f "$f"
	if [ $rc -ne 0 ] || [ $src -ne 0 ]; then
		fail "$name: client exited $rc, server $src
--- client: $*
$CLI_OUT
--- server: ${srv[*]}
$SRV_OUT"
		return 1
	fi
}

# ---------------------------------------------------------------- data_test

# data_run ARGS...: run data_test; its failures, less those tolerated
# for rxe, fail the test.
data_run() {
	local out rc bad line name known=
	out=$(timeout 300 "$BIN/data_test" "$@" 2>&1)
	rc=$?
	bad=$(grep -E '^not ok - ' <<<"$out")
	[ "$DATA_PROV" = rxe ] && known=$DATA_RXE_KNOWN
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		name=${line#not ok - }
		name=${name%%:*}
		if grep -q "^$name	" <<<"$known"; then
			note "tolerated for rxe: $line"
		else
			fail "$line"
		fi
	done <<<"$bad"
	note "$(grep -E '^(# |data_test:|skip)' <<<"$out")"
	if [ $rc -ne 0 ] && [ -z "$bad" ]; then
		fail "data_test $* exited $rc without a failed check:"
		echo "$out" | tail -20
	fi
}

test_data_rc_v4() { data_dev_add && data_run -d "$DEV" -g "$GID4" rc; }
test_data_rc_v6() { data_dev_add && data_run -d "$DEV" -g "$GID6" rc; }
test_data_uc_v4() { data_dev_add && data_run -d "$DEV" -g "$GID4" uc; }
test_data_uc_v6() { data_dev_add && data_run -d "$DEV" -g "$GID6" uc; }
test_data_ud_v4() { data_dev_add && data_run -d "$DEV" -g "$GID4" ud; }
test_data_ud_v6() { data_dev_add && data_run -d "$DEV" -g "$GID6" ud; }
test_data_srq_v4() { data_dev_add && data_run -d "$DEV" -g "$GID4" srq; }
test_data_srq_v6() { data_dev_add && data_run -d "$DEV" -g "$GID6" srq; }
test_data_err_v4() { data_dev_add && data_run -d "$DEV" -g "$GID4" err; }
test_data_err_v6() { data_dev_add && data_run -d "$DEV" -g "$GID6" err; }
test_data_mw_v4() { data_dev_add && data_run -d "$DEV" -g "$GID4" mw; }
test_data_mw_v6() { data_dev_add && data_run -d "$DEV" -g "$GID6" mw; }

# data_mcast GID_VAR: UD multicast (data_test mcast) over the GID in
# GID_VAR (set by data_dev_add): one copy per attached QP, counted: two
# receivers, then one, and the flood's 65 messages (MC_FLOOD_MSGS and
# one more) to a full group of 56 QPs (srx's max_mcast_qp_attach).
data_mcast() {
	local c0 c1 f want=$((2 + 1 + 65 * 56))
	data_dev_add || return
	f=/sys/class/infiniband/$DEV/ports/1/hw_counters/mcast_copies
	c0=$(cat "$f" 2>/dev/null)
	data_run -d "$DEV" -g "${!1}" mcast
	[ -r "$f" ] || return 0		# rdma_rxe has no such counter
	c1=$(cat "$f")
	[ $((c1 - c0)) -eq $want ] ||
		fail "mcast_copies +$((c1 - c0)), expected +$want"
}
test_data_mcast_v4() { data_mcast GID4; }
test_data_mcast_v6() { data_mcast GID6; }

# rdmacm-utils' mckey: rdma_join_multicast and 10 UD messages to the
# group, which the receiver checks byte by byte.
test_data_mckey() {
	local f out
	data_dev_add || return
	f=$(mktemp)
	# Line-buffered: the wait reads its output while it runs.
	data_bg "$f" stdbuf -oL mckey -m 239.1.2.5 -b "$DATA_IP4" -C 10
	if ! WAIT_TRIES=300 wait_for grep -q "receiving data transfers" "$f"; then
		fail "mckey receiver did not join: $(cat "$f")"
		rm -f "$f"
		return
	fi
	out=$(timeout "$DATA_TMO" mckey -m 239.1.2.5 -b "$DATA_IP4" -s -C 10 2>&1) ||
		fail "mckey sender: $out"
	wait "$BG_PID" || fail "mckey receiver exited $?: $(cat "$f")"
	grep -q "data transfers complete" "$f" ||
		fail "mckey receiver: $(cat "$f")"
	rm -f "$f"
}

# ---------------------------------------------------------------- pingpong

# pingpong PROG GIDX ARGS...: server and client of an ibv_*_pingpong
# example on $DEV with buffer validation (-c).
pingpong() {
	local prog=$1 gidx=$2
	shift 2
	next_port
	server_client "$prog -g $gidx" "tcp_listening $DATA_PORT" \
		"$prog" -d "$DEV" -g "$gidx" -p "$DATA_PORT" -c "$@" -- \
		"$prog" -d "$DEV" -g "$gidx" -p "$DATA_PORT" -c "$@" 127.0.0.1 ||
		return
	expect_match 'iters in' "$CLI_OUT" "$prog client output"
	expect_match 'iters in' "$SRV_OUT" "$prog server output"
	expect_no_match 'invalid data|Couldn|Failed' "$SRV_OUT$CLI_OUT" \
		"$prog output"
	note "$prog -g $gidx: $(grep 'iters in' <<<"$CLI_OUT")"
}

test_data_rc_pingpong() {
	data_dev_add || return
	pingpong ibv_rc_pingpong "$GID4" -n 200 -s 8192
	pingpong ibv_rc_pingpong "$GID6" -n 200 -s 8192
}

# seg_pingpong SEG: srx reloaded with loopback_seg=SEG, 20 validated
# 64 KiB ibv_rc_pingpong round trips (path MTU 1024) over the loopback
# path; SEG_SENT is the packets sent.
seg_pingpong() {
	links_clean
	srx_unload && srx_load loopback_seg="$1" || { fail "load with loopback_seg=$1"; return 1; }
	expect_eq "$(cat /sys/module/srx/parameters/loopback_seg)" "$1" \
		"loopback_seg read back" || return
	data_dev_add || return
	pingpong ibv_rc_pingpong "$GID4" -n 20 -s 65536 -m 1024 || return
	SEG_SENT=$(data_counters "$DEV" | awk '$1 == "sent_pkts" { print $2 }')
	note "loopback_seg=$1: $SEG_SENT packets sent"
}

# Between QPs of this host, RC messages go in loopback_seg-byte packets,
# not path-MTU ones: 40 messages of 64 KiB are 40 * 22 requests (plus
# ACKs) instead of 40 * 64. With loopback_seg=0 the path MTU applies,
# and data_test's MTU-boundary sizes run over that segmentation too.
test_data_loopback_seg() {
	[ "$DATA_PROV" = srx ] || { note "srx only: skipped"; return 0; }
	seg_pingpong 3072 || return
	[ "$SEG_SENT" -ge 880 ] && [ "$SEG_SENT" -lt 1280 ] ||
		fail "loopback_seg=3072: $SEG_SENT packets, want 880..1279"
	seg_pingpong 0 || return
	[ "$SEG_SENT" -ge 2560 ] ||
		fail "loopback_seg=0: $SEG_SENT packets, want >= 2560"
	data_run -d "$DEV" -g "$GID4" rc
	links_clean
	srx_unload
}

test_data_uc_pingpong() {
	data_dev_add || return
	pingpong ibv_uc_pingpong "$GID4" -n 200 -s 4096
	pingpong ibv_uc_pingpong "$GID6" -n 200 -s 4096
}

test_data_ud_pingpong() {
	data_dev_add || return
	pingpong ibv_ud_pingpong "$GID4" -n 200 -s 512
	pingpong ibv_ud_pingpong "$GID6" -n 200 -s 512
}

test_data_srq_pingpong() {
	data_dev_add || return
	pingpong ibv_srq_pingpong "$GID4" -n 100 -q 8 -s 4096
	pingpong ibv_srq_pingpong "$GID6" -n 100 -q 8 -s 4096
}

# ---------------------------------------------------------------- rdma_cm

# rping_run ADDR: 10 validated pings through rdma_cm (needs the GSI QP).
rping_run() {
	next_port
	server_client "rping $1" cm_listening \
		rping -s -a "$1" -p "$DATA_PORT" -C 10 -- \
		rping -c -a "$1" -p "$DATA_PORT" -C 10 -V -v || return
	expect_eq "$(grep -c 'ping data' <<<"$CLI_OUT")" 10 "rping data lines"
}

test_data_rping() {
	data_dev_add || return
	rping_run "$DATA_IP4"
	rping_run "$LL6%eth0"
}

ucmatose_run() {
	next_port
	server_client "ucmatose $1" cm_listening \
		ucmatose -b "$1" -p "$DATA_PORT" -c 2 -C 10 -S 1000 -- \
		ucmatose -s "$1" -p "$DATA_PORT" -c 2 -C 10 -S 1000 || return
	expect_match 'test complete' "$CLI_OUT" "ucmatose client output"
	expect_no_match 'fail|error' "$CLI_OUT$SRV_OUT" "ucmatose output"
}

test_data_ucmatose() {
	data_dev_add || return
	ucmatose_run "$DATA_IP4"
	ucmatose_run "$LL6%eth0"
}

test_data_rdma_server_client() {
	data_dev_add || return
	command -v rdma_server >/dev/null || { note "no rdma_server"; return; }
	next_port
	server_client rdma_server cm_listening \
		rdma_server -p "$DATA_PORT" -- \
		rdma_client -s "$DATA_IP4" -p "$DATA_PORT" || return
	expect_match 'rdma_client: end 0' "$CLI_OUT" "rdma_client output"
	expect_match 'rdma_server: end 0' "$SRV_OUT" "rdma_server output"
}

# ---------------------------------------------------------------- perftest

# perf_calib_failed: perftest's latency programs time the TSC against
# gettimeofday first and, when a busy host makes that fit poor, print
# "Correlation coefficient r^2 ... < 0.9" and exit 0 with no result.
# That verdict is about the host's clock, not the device.
perf_calib_failed() {
	grep -q 'Correlation coefficient' <<<"$CLI_OUT$SRV_OUT"
}

# perf PROG GIDX ARGS...: a short perftest run over $DEV; both sides
# must exit 0 and print their result line (bytes, iterations, numbers).
# A clock calibration failure is retried twice.
perf() {
	local prog=$1 gidx=$2 res try
	shift 2
	for try in 1 2 3; do
		next_port
		server_client "$prog -x $gidx" "tcp_listening $DATA_PORT" \
			"$prog" -d "$DEV" -x "$gidx" -p "$DATA_PORT" -F "$@" -- \
			"$prog" -d "$DEV" -x "$gidx" -p "$DATA_PORT" -F "$@" \
			127.0.0.1 || return
		perf_calib_failed || break
		note "$prog -x $gidx: clock calibration failed (try $try)"
	done
	res='^[[:space:]]*[0-9]+[[:space:]]+[0-9]+[[:space:]]+[0-9.]+'
	expect_match "$res" "$CLI_OUT" "$prog client result line" &&
		note "$prog -x $gidx: $(grep -E "$res" <<<"$CLI_OUT" | head -1)"
	expect_match "$res" "$SRV_OUT" "$prog server result line"
}

perf_both() {
	data_dev_add || return
	perf "$1" "$GID4" "${@:2}"
	perf "$1" "$GID6" "${@:2}"
}

test_data_perf_send_bw() { perf_both ib_send_bw -n 100 -s 65536; }
test_data_perf_write_bw() { perf_both ib_write_bw -n 100 -s 65536; }
test_data_perf_read_bw() { perf_both ib_read_bw -n 100 -s 65536; }
test_data_perf_atomic_bw() { perf_both ib_atomic_bw -n 100; }
test_data_perf_send_lat() { perf_both ib_send_lat -n 100 -s 64; }
test_data_perf_write_lat() { perf_both ib_write_lat -n 100 -s 64; }

# ---------------------------------------------------------------- interop
# perftest, data_test's requests, multicast and netem against rdma_rxe
# here; the rdma-core pingpongs and rping against rdma_rxe, both ways,
# run between two hosts (tests/hosts-check: srx_serves_rxe, rxe_serves_srx).

# Statistic counters of DEV, one "name value" a line.
data_counters() {
	rdma statistic show link "$1/1" 2>/dev/null |
		tr ' ' '\n' | awk 'NF' | awk 'NR > 2 { if (n) { print n, $0; n = "" } else n = $0 }'
}

# interop_setup: nsA holds vethA with srx1; vethB with rxe1 in init_net.
interop_setup() {
	if [ "$DATA_PROV" != srx ]; then
		note "interop needs srx (DATA_PROV=$DATA_PROV): skipped"
		return 2
	fi
	trap data_cleanup EXIT
	data_rxe_load || return 1
	expect_ok ip netns add "$DATA_NS" || return 1
	make_veth vethA vethB || { fail "cannot make veth pair"; return 1; }
	expect_ok ip link set vethA netns "$DATA_NS" || return 1
	ip netns exec "$DATA_NS" ip link set lo up
	ip netns exec "$DATA_NS" ip link set vethA up
	expect_ok ip netns exec "$DATA_NS" ip addr add "$DATA_A4/24" dev vethA ||
		return 1
	expect_ok ip netns exec "$DATA_NS" ip -6 addr add "$DATA_A6/64" \
		dev vethA nodad || return 1
	expect_ok ip addr add "$DATA_B4/24" dev vethB || return 1
	expect_ok ip -6 addr add "$DATA_B6/64" dev vethB nodad || return 1
	# RDMA devices are shared between namespaces unless the system says
	# otherwise; srx1 must be seen from both.
	note "$(rdma system show 2>&1)"
	expect_ok ip netns exec "$DATA_NS" rdma link add srx1 type srx \
		netdev vethA || return 1
	expect_ok rdma link add rxe1 type rxe netdev vethB || return 1
	wait_for interop_gids_ready || return 1
	SRX_G4=$(data_gid srx1 "$DATA_A4")
	SRX_G6=$(data_gid srx1 "$DATA_A6")
	RXE_G4=$(data_gid rxe1 "$DATA_B4")
	RXE_G6=$(data_gid rxe1 "$DATA_B6")
	note "srx1 GIDs $SRX_G4/$SRX_G6, rxe1 GIDs $RXE_G4/$RXE_G6"
	data_tcp_check "$DATA_A4" || return 1
	data_tcp_check "$DATA_A6" || return 1
	if [ "${DATA_INTEROP_SETUP_ONLY:-0}" = 1 ]; then
		note "DATA_INTEROP_SETUP_ONLY=1: no traffic"
		return 2
	fi
	return 0
}

# data_tcp_check ADDR: a TCP connection from init_net to ADDR in nsA
# works (the guest has no ping).
data_tcp_check() {
	local out
	next_port
	data_bg /dev/null ip netns exec "$DATA_NS" python3 -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.bind((a, int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
c.sendall(b"hello")' "$1" "$DATA_PORT"
	wait_for tcp_listening "$DATA_PORT" "$DATA_NS" || return 1
	out=$(timeout 20 python3 -c '
import socket, sys
print(socket.create_connection((sys.argv[1], int(sys.argv[2])), 10).recv(5).decode())' \
		"$1" "$DATA_PORT" 2>&1)
	expect_eq "$out" hello "TCP from init_net to $1 in $DATA_NS"
	[ "$out" = hello ]
}

interop_gids_ready() {
	[ -n "$(data_gid srx1 "$DATA_A4")" ] &&
		[ -n "$(data_gid srx1 "$DATA_A6")" ] &&
		[ -n "$(data_gid rxe1 "$DATA_B4")" ] &&
		[ -n "$(data_gid rxe1 "$DATA_B6")" ]
}

NSX="ip netns exec $DATA_NS"

# xperf PROG ARGS...: perftest both ways over IPv4 GIDs.
xperf() {
	local prog=$1 res
	shift
	res='^[[:space:]]*[0-9]+[[:space:]]+[0-9]+[[:space:]]+[0-9.]+'
	next_port
	server_client "$prog srx server" "tcp_listening $DATA_PORT $DATA_NS" \
		$NSX "$prog" -d srx1 -x "$SRX_G4" -p "$DATA_PORT" -F "$@" -- \
		"$prog" -d rxe1 -x "$RXE_G4" -p "$DATA_PORT" -F "$@" "$DATA_A4" &&
		expect_match "$res" "$CLI_OUT" "$prog result line"
	next_port
	server_client "$prog rxe server" "tcp_listening $DATA_PORT" \
		"$prog" -d rxe1 -x "$RXE_G4" -p "$DATA_PORT" -F "$@" -- \
		$NSX "$prog" -d srx1 -x "$SRX_G4" -p "$DATA_PORT" -F "$@" \
		"$DATA_B4" &&
		expect_match "$res" "$CLI_OUT" "$prog result line"
}

# data_test's RC requests (SEND, WRITE, READ, the atomics, ATOMIC WRITE)
# with A on one provider and B on the other, both ways, data checked.
test_data_interop_verbs() {
	interop_setup || return 0
	data_run -d srx1 -g "$SRX_G4" -D rxe1 -G "$RXE_G4" xdev
	data_run -d rxe1 -g "$RXE_G4" -D srx1 -G "$SRX_G4" xdev
	data_cleanup
}

# mc_member NS GROUP IFNAME: a process in NS ("" for init_net) holding
# an IP membership of GROUP on IFNAME until killed ($BG_PID): rdma_rxe's
# attach joins nothing, so without it the IP layer drops the group's
# datagrams before rdma_rxe sees them (srx joins at attach).
mc_member() {
	local f
	f=$(mktemp)
	data_bg "$f" ${1:+ip netns exec "$1"} python3 -c '
import socket, struct, sys, time
g, idx = sys.argv[1], socket.if_nametoindex(sys.argv[2])
if ":" in g:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                 socket.inet_pton(socket.AF_INET6, g) + struct.pack("@I", idx))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 struct.pack("=4s4si", socket.inet_aton(g), bytes(4), idx))
print("joined", flush=True)
time.sleep(300)' "$2" "$3"
	MC_MEMBER_PID=$BG_PID
	wait_for grep -q joined "$f"
	rm -f "$f"
}

# UD multicast between the providers, both ways, IPv4 and IPv6 (the
# groups of data_test mcast), data checked.
test_data_interop_mcast() {
	local g
	interop_setup || return 0
	for g in 239.1.2.3 ff0e::5278:1; do
		mc_member "" "$g" vethB || return 1
		if [ "$g" = 239.1.2.3 ]; then
			data_run -d srx1 -g "$SRX_G4" -D rxe1 -G "$RXE_G4" mcast
			data_run -d rxe1 -g "$RXE_G4" -D srx1 -G "$SRX_G4" mcast
		else
			data_run -d srx1 -g "$SRX_G6" -D rxe1 -G "$RXE_G6" mcast
			data_run -d rxe1 -g "$RXE_G6" -D srx1 -G "$SRX_G6" mcast
		fi
		kill "$MC_MEMBER_PID"
		wait "$MC_MEMBER_PID" 2>/dev/null
	done
	data_cleanup
}

test_data_interop_perftest() {
	interop_setup || return 0
	xperf ib_write_bw -n 100 -s 65536
	xperf ib_read_bw -n 100 -s 65536
	xperf ib_atomic_bw -n 100
	data_cleanup
}

# Counter names that show recovery from loss or reordering. rdma_rxe
# has duplicate_request, out_of_seq_request, rcvd_seq_err,
# completer_retry_err, retry_exceeded_err, ...; srx's names are not
# fixed yet, so any counter with one of these words counts.
DATA_RETR_RE='retr|seq|timeout|dup'

test_data_interop_netem() {
	interop_setup || return 0
	local d before after changed=
	expect_ok tc qdisc add dev vethB root netem loss 2% reorder 10% \
		delay 1ms || return
	expect_ok $NSX tc qdisc add dev vethA root netem loss 2% reorder 10% \
		delay 1ms || return
	for d in srx1 rxe1; do
		before+=$(data_counters $d | sed "s/^/$d /")$'\n'
	done
	# Small transfers: each loss costs a retransmission timeout, and
	# the whole test must end within guest-run's 300 s. No pingpong:
	# ibv_rc_pingpong exits when its last message arrives, so a lost
	# final ACK leaves the peer retransmitting to a QP that is gone
	# (t-net.sh runs it under reordering and duplication instead).
	xperf ib_write_bw -n 20 -s 16384
	xperf ib_read_bw -n 20 -s 16384
	xperf ib_send_bw -n 20 -s 16384
	for d in srx1 rxe1; do
		after+=$(data_counters $d | sed "s/^/$d /")$'\n'
	done
	note "counters before:
$before"
	note "counters after:
$after"
	# (No <(...): the guest's /dev has no /dev/fd.)
	changed=$(printf '%s\n--\n%s\n' "$before" "$after" | awk '
		$0 == "--" { after = 1; next }
		NF != 3 { next }
		!after { b[$1 " " $2] = $3; next }
		($1 " " $2) in b && $3 > b[$1 " " $2] {
			print $1, $2, b[$1 " " $2] "->" $3 }')
	note "changed: $changed"
	grep -Eq "($DATA_RETR_RE)" <<<"$(awk '{ print $2 }' <<<"$changed")" ||
		fail "no retransmission/sequence counter increased under netem"
	data_cleanup
}
