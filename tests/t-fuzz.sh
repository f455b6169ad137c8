# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Adversarial RoCEv2 packets from another network namespace at live srx
# QPs of every type and state. tests/fuzz_target.c holds the QPs on
# srxf0 in $FZA; tests/pktfuzz.c, in $FZB, sends them crafted datagrams
# over a veth pair (MTU 9000): random and reserved opcodes, wrong header
# lengths and pad counts, PSNs near, far and across the wrap, every AETH
# syndrome, responses nobody asked for, RETH and AtomicETH boundaries,
# truncated, oversized, bad-ICRC, unknown-QPN, GSI and Q_Key garbage.
# Afterwards the live QPs must pass a data-checked transfer, guard bytes
# must be intact, and the hw counters must account for every packet.
#
# SRX_FUZZ_SEED (default: from the clock; printed) reproduces a run:
# SRX_FUZZ_COUNT packets (default 100000) are sent by SRX_FUZZ_JOBS
# processes (default 2, streams SEED and SEED + 1, which keeps both
# guest CPUs busy; 1 gives a single stream in a fixed order), at most
# for SRX_FUZZ_SECONDS (default 150). `make fuzz` runs long ones.
# SRX_FUZZ_STRICT=1 also fails on drops srx is known not to count
# (fz_probe), which are otherwise only reported.
#
# Process creation is slow under TCG (`ip netns exec` alone takes most
# of a second), and the debug kernel runs 10-25 times slower: counters
# are read with shell builtins, the namespaces built with `ip -batch`.

FZA=srxfA		# srx device and its QPs
FZB=srxfB		# the fuzzer
FZA4=192.168.89.1
FZB4=192.168.89.2
FZAMAC=02:00:c0:a8:59:01
FZBMAC=02:00:c0:a8:59:02
FZDEV=srxf0
FZMTU=9000
FZHW=/sys/class/infiniband/$FZDEV/ports/1/hw_counters

# Counter $1 of srxf0 (0 if this srx has no such counter).
fz_cnt() {
	local v=0
	[ -r "$FZHW/$1" ] && read -r v <"$FZHW/$1"
	echo "$v"
}

# "name value" for every hw counter, and with a PID $1 in $FZA the
# drops on the way to srx there: its veth's receive drops and the IP
# and UDP MIB counters.
fz_snap() {
	local f v
	for f in "$FZHW"/*; do
		read -r v <"$f"
		echo "${f##*/} $v"
	done
	[ -n "${1:-}" ] || return 0
	awk -F: '$1 ~ /^ *vfa$/ { split($2, v, " "); print "veth_rx_dropped", v[4] }' \
		"/proc/$1/net/dev"
	awk '/^(Ip|Udp):/ { if (!h[$1]) { for (i = 2; i <= NF; i++) n[$1, i] = $i; h[$1] = 1; next }
			    for (i = 2; i <= NF; i++) print tolower(substr($1, 1, length($1) - 1)) "_" n[$1, i], $i }' \
		"/proc/$1/net/snmp"
}

# Change of "name value" $3 between snapshot files $1 and $2.
fz_delta() {
	awk -v k="$3" 'FNR == NR && $1 == k { a = $2 } FNR != NR && $1 == k { b = $2 }
		       END { print b - a }' "$1" "$2"
}

# "expect NAME N" of pktfuzz's output $1.
fz_expect() {
	awk -v k="$2" '$1 == "expect" && $2 == k { v = $3 } END { print v + 0 }' "$1"
}

fz_gid_index() {
	local f v want
	want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' \
		${FZA4//./ })
	for f in /sys/class/infiniband/$FZDEV/ports/1/gids/*; do
		read -r v <"$f" 2>/dev/null || continue
		[ "$v" = "$want" ] && { echo "${f##*/}"; return 0; }
	done
	return 1
}

# The two namespaces, joined by a veth pair whose ends are born in
# them, and srxf0: four processes in all. Neighbour entries are
# permanent: a datagram sent before ARP resolved would wait in a queue
# that drops silently when full, and every drop must be known.
fz_setup() {
	ip -batch - <<EOF || { fail "namespaces"; return 1; }
netns add $FZA
netns add $FZB
link add vfa netns $FZA mtu $FZMTU address $FZAMAC type veth peer name vfb netns $FZB mtu $FZMTU address $FZBMAC
EOF
	ip -n $FZA -batch - <<EOF || { fail "$FZA"; return 1; }
link set lo up
link set vfa up
addr add $FZA4/24 dev vfa
neigh replace $FZB4 lladdr $FZBMAC dev vfa nud permanent
EOF
	ip -n $FZB -batch - <<EOF || { fail "$FZB"; return 1; }
link set lo up
link set vfb up
addr add $FZB4/24 dev vfb
neigh replace $FZA4 lladdr $FZAMAC dev vfb nud permanent
EOF
	expect_ok ip netns exec $FZA rdma link add $FZDEV type srx netdev vfa ||
		return 1
	wait_for fz_gid_index || return 1
	FZGID=$(fz_gid_index)
}

# fz_target_start DIR SECS: fuzz_target in $FZA, its QPs in DIR/targets,
# ready for SECS seconds of packets; its PID (timeout(1), in $FZA) in
# FZ_TPID. A line on fd 8 (or its closing) makes it verify and exit.
fz_target_start() {
	local d=$1 secs=$2 i
	mkfifo "$d/in"
	ip netns exec $FZA timeout $((secs + 240)) "$BIN/fuzz_target" \
		-d $FZDEV -g "$FZGID" -o "$d/targets" -s "$d/status" \
		-w $((secs + 230)) \
		<"$d/in" >"$d/target.out" 2>&1 &
	FZ_TPID=$!
	exec 8>"$d/in"
	for ((i = 0; i < 1200; i++)); do
		grep -q '^ready' "$d/target.out" && return 0
		kill -0 $FZ_TPID 2>/dev/null || break
		sleep 0.1
	done
	fail "fuzz_target did not become ready: $(cat "$d/target.out")"
	exec 8>&-
	wait $FZ_TPID
	rm -rf "$d"
	return 1
}

# fz_send PACKET: one packet from $FZB, given as pktfuzz --packets keys.
fz_send() {
	ip netns exec $FZB timeout 60 "$BIN/pktfuzz" --src $FZB4 --dst $FZA4 \
		--packets - >/dev/null 2>&1 <<<"$1" || fail "pktfuzz: $1"
}

fz_more() { [ "$(fz_cnt "$1")" -gt "$2" ]; }

# A SEND held ahead of a gap, then a READ at the gap whose responses
# take the PSNs past it: the held message can never complete in order
# and goes back to the SRQ at once (before, it stayed held, to complete
# stale when the PSN came round again).
test_fuzz_ooo_stale() {
	local d line qpn psn rkey va len mtu h0 r0 e0
	fz_setup || return
	d=$(mktemp -d)
	fz_target_start "$d" 10 || return
	line=$(grep ' name=rc_srq ' "$d/targets")
	read -r qpn _ psn rkey va len _ <<<"$line"
	mtu=$(sed -n 's/.* mtu=\([0-9]*\).*/\1/p' <<<"$line")
	# A READ of 6 packets, PSNs psn..psn+5, inside the QP's MR: valid,
	# so no error flush releases the hold instead.
	[ "$len" -ge $((6 * mtu)) ] || fail "MR of $len bytes < 6 x $mtu"
	h0=$(fz_cnt ooo_held)
	r0=$(fz_cnt ooo_released)
	e0=$(( $(fz_cnt remote_access_err) + $(fz_cnt remote_invalid_req_err) ))
	fz_send "op=0x04 qpn=$qpn psn=$(( (psn + 5) & 0xffffff )) len=8"
	wait_for fz_more ooo_held "$h0" ||
		fail "the SEND ahead of the gap was not held"
	fz_send "op=0x0c qpn=$qpn psn=$psn rkey=$rkey va=$va dlen=$((6 * mtu))"
	wait_for fz_more ooo_released "$r0" ||
		fail "held SEND at PSN $(printf %#x $((psn + 5))) not released after a READ took PSNs $psn..$(printf %#x $((psn + 5))) (ooo_released $(fz_cnt ooo_released), was $r0)"
	expect_eq $(( $(fz_cnt remote_access_err) + $(fz_cnt remote_invalid_req_err) )) \
		"$e0" "remote errors (the READ must be valid)"
	exec 8>&-
	wait $FZ_TPID
	rm -rf "$d"
}

# Single packets, each of which must land in the counter that starts
# its line (one pktfuzz run; the counters must add up): what a
# regression test for a fixed bug looks like.
test_fuzz_one_packets() {
	local d list c want
	expect_ok "$BIN/pktfuzz" --selftest
	fz_setup || return
	d=$(mktemp -d)
	cat >"$d/list" <<'EOF'
malformed_pkt op=0x15 qpn=1 psn=0			# reserved opcode
malformed_pkt op=0xff qpn=1 psn=0 len=16		# CNP and beyond
malformed_pkt op=0x64 qpn=1 psn=0 len=8 cut=10		# cut in BTH
malformed_pkt op=0x64 qpn=1 psn=0 len=8 cut=16		# cut in DETH
malformed_pkt op=0x0c qpn=1 psn=0 len=4			# READ with payload
malformed_pkt op=0x04 qpn=1 psn=0 len=5 pad=0		# length not x4
malformed_pkt op=0x04 qpn=1 psn=0 len=0 pad=3		# pad > payload
malformed_pkt op=0x64 qpn=1 psn=0 len=8 tver=1		# TVer 1
malformed_pkt op=0x04 qpn=1 psn=0 len=8			# RC at the GSI QP
unknown_qp op=0x64 qpn=0xfffff0 psn=0 len=8
unknown_qp op=0x04 qpn=0 psn=0				# no QP0 on RoCE
bad_icrc op=0x64 qpn=1 psn=0 len=8 bad-icrc
bad_icrc op=0x11 qpn=0xfffff0 psn=0 bad-icrc		# before the QP
pkey_violation op=0x64 qpn=1 psn=0 len=8 pkey=0x1234
qkey_violation op=0x64 qpn=1 psn=0 len=8 qkey=0x22222222
EOF
	cut -d' ' -f2- "$d/list" | sed 's/#.*//' >"$d/pkts"
	fz_snap >"$d/before"
	ip netns exec $FZB timeout 60 "$BIN/pktfuzz" --src $FZB4 --dst $FZA4 \
		--packets "$d/pkts" >"$d/out" 2>&1 ||
		fail "pktfuzz --packets: $(cat "$d/out")"
	fz_snap >"$d/after"
	grep '^pktfuzz: packet' "$d/out" | sed 's/^/  /'
	for c in $(awk '{ print $1 }' "$d/list" | sort -u); do
		want=$(grep -c "^$c " "$d/list")
		expect_eq "$(fz_delta "$d/before" "$d/after" "$c")" "$want" "$c"
	done
	expect_eq "$(fz_delta "$d/before" "$d/after" rcvd_pkts)" \
		"$(grep -c . "$d/list")" "rcvd_pkts"
	rm -rf "$d"
}

# fz_probe_one COUNTER PACKET WHAT: PACKET (pktfuzz --packets syntax)
# must move COUNTER by exactly one.
fz_probe_one() {
	local c0 c1
	c0=$(fz_cnt "$1")
	ip netns exec $FZB timeout 60 "$BIN/pktfuzz" --src $FZB4 --dst $FZA4 \
		--packets - >/dev/null 2>&1 <<<"$2"
	c1=$(fz_cnt "$1")
	[ $((c1 - c0)) -eq 1 ] ||
		fail "$3 moved $1 by $((c1 - c0)), not 1"
}

# Paths whose accounting the fuzz cannot pin down, probed one packet at
# a time before it: each must land in the counter named.
fz_probe() {
	local d=$1 line qpn sq
	line=$(grep ' name=rc_rts0 ' "$d/targets")
	qpn=${line%% *}
	sq=$(sed -n 's/.* sq_psn=\([^ ]*\).*/\1/p' <<<"$line")
	# An ACK of the last PSN acknowledged, at a requester with nothing
	# outstanding: "an old ACK" (Documentation/srx.rst, Counters).
	fz_probe_one stale_response \
		"op=0x11 qpn=$qpn psn=$(( (sq - 1) & 0xffffff )) syn=0x1f msn=0" \
		"uncounted drop: an ACK of the last acknowledged PSN at an idle RC requester (rc_rts0)"
	# A read response carrying a NAK syndrome, at the PSN of a READ the
	# requester waits on: malformed (NAKs come as ACKNOWLEDGE packets).
	# srx used to take it as the answer and complete the READ.
	line=$(grep -m1 ' rd_psn=' "$d/targets")
	[ -n "$line" ] || { fail "no target with a READ outstanding"; return; }
	qpn=${line%% *}
	sq=$(sed -n 's/.* rd_psn=\([^ ]*\).*/\1/p' <<<"$line")
	fz_probe_one malformed_pkt "op=0x10 qpn=$qpn psn=$sq syn=0x60 msn=0 len=0" \
		"a read response with a NAK syndrome for an outstanding READ"
}

TEST_TIMEOUT_test_fuzz_packets=900
test_fuzz_packets() {
	local seed count secs jobs d tpid trc frc i t0 t1 t2
	local sent wire lo hi got rxq x line
	seed=${SRX_FUZZ_SEED:-$(( $(date +%s%N) / 1000 % 1000000007 ))}
	count=${SRX_FUZZ_COUNT:-100000}
	secs=${SRX_FUZZ_SECONDS:-150}
	# The debug kernel is 10-25x slower: 30% of the packets in make check
	# (make fuzz FUZZ_KERNEL=debug runs many more), more time.
	if [ "${SRX_KERNEL:-}" = debug ]; then
		count=${SRX_FUZZ_COUNT:-30000}
		secs=${SRX_FUZZ_SECONDS:-480}
	fi
	jobs=${SRX_FUZZ_JOBS:-2}
	note "seed $seed, $count packets, $jobs job(s) (SRX_FUZZ_SEED=$seed SRX_FUZZ_JOBS=$jobs reproduces)"
	t0=$SECONDS
	fz_setup || return
	# Governed SRQ QPs with a small limit: the fuzzer's SENDs reach it.
	[ -w /sys/class/infiniband/$FZDEV/gov/qp_limit ] &&
		echo 6 >/sys/class/infiniband/$FZDEV/gov/qp_limit
	d=$(mktemp -d)
	fz_target_start "$d" "$secs" || return
	tpid=$FZ_TPID
	fz_probe "$d"
	# $tpid is timeout(1) in $FZA: /proc/$tpid/net is that namespace's.
	fz_snap $tpid >"$d/before"
	t1=$SECONDS
	ip netns exec $FZB timeout $((secs + 60)) "$BIN/pktfuzz" \
		--src $FZB4 --dst $FZA4 --mtu $FZMTU --targets "$d/targets" \
		--seed "$seed" --count "$count" --seconds "$secs" \
		--jobs "$jobs" --feedback "$d/status" >"$d/fuzz.out" 2>&1
	frc=$?
	# The last packets' engines, and their loopback answers, settle.
	sleep 1
	fz_snap $tpid >"$d/after"
	t2=$SECONDS
	echo verify >&8
	exec 8>&-
	wait $tpid
	trc=$?
	note "setup $((t1 - t0)) s, fuzz $((t2 - t1)) s, checks $((SECONDS - t2)) s"

	grep -E '^pktfuzz: (seed|class|verdict|stopped)' "$d/fuzz.out" |
		sed 's/^/  /'
	sed 's/^/  /' "$d/target.out"
	[ $frc -eq 0 ] || fail "pktfuzz exited $frc: $(grep -v '^\(pktfuzz\|expect\)' "$d/fuzz.out" | tail -n 20)"
	[ $trc -eq 0 ] || fail "fuzz_target exited $trc"

	# Every packet sent reached srx and was counted as received: what
	# srx received minus what its QPs sent each other.
	sent=$(fz_expect "$d/fuzz.out" sent)
	[ "$sent" -gt 0 ] || { fail "no totals from pktfuzz"; rm -rf "$d"; return; }
	[ "$sent" -ge "$count" ] ||
		fail "only $sent of $count packets sent within $secs s"
	wire=$(( $(fz_delta "$d/before" "$d/after" rcvd_pkts) -
		 $(fz_delta "$d/before" "$d/after" loopback_pkts) ))
	note "sent $sent, srx received $wire from the wire; on the way: veth drops $(fz_delta "$d/before" "$d/after" veth_rx_dropped), UDP InErrors $(fz_delta "$d/before" "$d/after" udp_InErrors), IP InDiscards $(fz_delta "$d/before" "$d/after" ip_InDiscards)"
	expect_eq "$wire" "$sent" "packets srx received from the wire (rcvd_pkts - loopback_pkts)"

	# Verdicts that depend on the bytes alone, or on QPs whose state no
	# packet changes, are exact; rx_queue_full_drop may stand in for any
	# verdict taken on the QP's engine.
	rxq=$(fz_delta "$d/before" "$d/after" rx_queue_full_drop)
	for x in bad_icrc:bad_icrc pkey:pkey_violation unknown_qp:unknown_qp; do
		expect_eq "$(fz_delta "$d/before" "$d/after" "${x#*:}")" \
			"$(fz_expect "$d/fuzz.out" "${x%%:*}")" "${x#*:}"
	done
	got=$(fz_delta "$d/before" "$d/after" qkey_violation)
	hi=$(fz_expect "$d/fuzz.out" qkey_fixed)
	lo=$((hi - rxq))
	[ "$got" -ge "$lo" ] && [ "$got" -le "$hi" ] ||
		fail "qkey_violation $got, expected $lo..$hi"
	# Malformed: the parse, and the wrong transport for the QP. A QP
	# brought back from ERR meanwhile counts its wrong transports as bad
	# state instead; a reserved AETH syndrome at a live requester is
	# malformed only if its PSN is current.
	got=$(fz_delta "$d/before" "$d/after" malformed_pkt)
	lo=$(( $(fz_expect "$d/fuzz.out" malformed) +
	       $(fz_expect "$d/fuzz.out" type_fixed) - rxq ))
	hi=$(( $(fz_expect "$d/fuzz.out" malformed) +
	       $(fz_expect "$d/fuzz.out" type_any) +
	       $(fz_expect "$d/fuzz.out" resv_aeth) ))
	[ "$got" -ge "$lo" ] && [ "$got" -le "$hi" ] ||
		fail "malformed_pkt $got, expected $lo..$hi"
	got=$(fz_delta "$d/before" "$d/after" bad_state_drop)
	lo=$(( $(fz_expect "$d/fuzz.out" bad_state_fixed) - rxq ))
	[ "$got" -ge "$lo" ] || fail "bad_state_drop $got, expected at least $lo"
	line=
	for x in duplicate_request out_of_seq_request rnr_nak_sent seq_nak_sent \
		 stale_response uc_msg_drop ud_no_wqe_drop remote_access_err \
		 remote_invalid_req_err remote_op_err gov_over_limit_rnr \
		 gov_over_limit_drop ooo_held rx_queue_full_drop loopback_pkts; do
		line="$line $x $(fz_delta "$d/before" "$d/after" $x)"
	done
	note "at the transport:$line"
	[ $T_FAILED -eq 0 ] ||
		note "reproduce: SRX_FUZZ_SEED=$seed SRX_FUZZ_COUNT=$count SRX_FUZZ_JOBS=$jobs"
	rm -rf "$d"
}
