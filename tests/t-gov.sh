# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# SRQ governance with real traffic: one flooding connection among eight
# well-behaved ones on a shared SRQ (build/tests/gov_flood), ungoverned
# and governed, in the two shapes that occur in practice; the operator's
# sysfs interface; the driver attributes of rdma res.

GOV=/sys/class/infiniband/srx0/gov
GOV_STATUS=$SRX_DEBUGFS/srx0/gov_status

gov_cnt() {
	cat "/sys/class/infiniband/srx0/ports/1/hw_counters/$1"
}

# gov_held_check CSV SIZE: at every sample of gov_flood -S, no QP shows
# more held than the SIZE buffers the SRQ was given, the sum over the SRQ
# never exceeds them, and in the shared-CQ shapes no QP shows more than
# it really holds then (column holds). Prints the first violations.
gov_held_check() {
	awk -F, -v n="$2" -f "$REPO/tests/held_check.awk" "$1"
}

# gov_run ARGS...: run gov_flood, sampling gov_status every 100 ms, and
# check every sample with gov_held_check (every governance run: a lag in
# noticing consumption would refuse a QP under its limit): no QP shows
# more held than the SRQ's buffers and the sum over the SRQ never exceeds
# them (reposts and consumption are counted when status is read, not only
# at the next draw); in the shared-CQ shapes (spdk, mpi) gov_flood also
# knows at most how many each QP really holds at the read, and no QP may
# show more. The gov_compare tests run every shape so, ungoverned and
# governed, with credit=buffer. Sets GOV_OUT, MIN_NORMAL, FLOODER,
# FLOODER_DELIVERED, GOV_SAMPLES.
gov_run() {
	local csv bad size=32 a prev=
	for a; do
		[ "$prev" = -q ] && size=$a
		prev=$a
	done
	csv=$(mktemp)
	GOV_OUT=$(timeout 120 "$BIN/gov_flood" -d srx0 -g 1 -t 3 -S "$csv" "$@" 2>&1) ||
		{ fail "gov_flood $* failed: $GOV_OUT"; rm -f "$csv"; return 1; }
	GOV_SAMPLES=$(($(wc -l <"$csv") - 1))
	bad=$(gov_held_check "$csv" "$size")
	rm -f "$csv"
	MIN_NORMAL=$(awk '$1 == "min_normal" { print $2 }' <<<"$GOV_OUT")
	FLOODER=$(awk '$1 == "flooder" { print $2 }' <<<"$GOV_OUT")
	FLOODER_DELIVERED=$(awk -v q="$FLOODER" '$1 == "qp" && $2 == q { print $4 }' <<<"$GOV_OUT")
	MEAN_NORMAL=$(awk -v q="$FLOODER" '$1 == "qp" && $2 != q { s += $4; n++ }
		END { print n ? int(s / n) : 0 }' <<<"$GOV_OUT")
	note "gov_flood $*: flooder $FLOODER_DELIVERED, slowest normal $MIN_NORMAL, mean normal $MEAN_NORMAL"
	[ "$GOV_SAMPLES" -gt 0 ] || { fail "gov_flood $*: no gov_status sample"; return 1; }
	[ -z "$bad" ] || { fail "gov_flood $*: held overstated: $bad"; return 1; }
}

# gov_compare SHAPE CREDIT MIN_GAIN [GOV_FLOOD ARGS]: without limits the flooder takes
# the SRQ and everyone is RNR-NAKed (an RNR storm); with a limit the
# flooder is refused over it, the slowest normal QP does at least
# MIN_GAIN/10 times as well as without, and the flooder gets no more
# than a fair share. (With a shared CQ polled promptly the flooder's
# completions do not wait, so there it is fairness, not starvation,
# that the limit restores.)
#
# On the stock kernel it first measures the shape without a flooder
# (gov_flood -F, no limits): GOV_FREE, the slowest honest QP's count the
# other two runs are reported against.
gov_compare() {
	local free rnr0 rnr1 gain cred0
	srx0_add || return
	GOV_FREE=
	free=
	# The debug kernel runs the governed flood only: its rates say
	# nothing (see below), and the ungoverned run's RNR path is the
	# governed run's too.
	if [ "${SRX_KERNEL:-stock}" != debug ]; then
		gov_run -s "$1" -C "$2" -F "${@:4}" || return
		GOV_FREE=$MIN_NORMAL
		rnr0=$(gov_cnt rnr_nak_sent)
		gov_run -s "$1" -C "$2" "${@:4}" || return
		free=$MIN_NORMAL
		rnr1=$(gov_cnt rnr_nak_sent)
		note "ungoverned: RNR NAKs sent $((rnr1 - rnr0))"
		[ $((rnr1 - rnr0)) -gt 100 ] || fail "no RNR storm without governance"
	fi
	rnr0=$(gov_cnt gov_over_limit_rnr)
	cred0=$(gov_cnt gov_credits)
	gov_run -s "$1" -C "$2" -L 4 "${@:4}" || return
	note "governed: over-limit RNRs $(( $(gov_cnt gov_over_limit_rnr) - rnr0 )), credits $(( $(gov_cnt gov_credits) - cred0 ))"
	# Every credit mode counts its credits (repost and buffer once did not).
	[ "$(gov_cnt gov_credits)" -gt "$cred0" ] ||
		fail "credit=$2: gov_credits did not move"
	[ "$(gov_cnt gov_over_limit_rnr)" -gt "$rnr0" ] ||
		fail "the flooder was never refused"
	# The debug kernel is CPU-bound at a few dozen to a few hundred
	# messages per run, governed or not, and the RNR storm of the
	# ungoverned run and the refusals of the governed one cost it more
	# than they cost the traffic (seen once: spdk 55 ungoverned, 20
	# governed): there the slowest normal QP must only not starve.
	# Throughput is compared on the stock kernel.
	GOV_MIN_FLOOD=$MIN_NORMAL
	note "$1 shape, slowest honest QP in 3 s: flood-free ${GOV_FREE:-(not run)}, flooded ungoverned ${free:-(not run)}, flooded governed $MIN_NORMAL"
	gain=$3
	[ -n "$free" ] || gain=0
	[ "$MIN_NORMAL" -gt 0 ] && [ $((MIN_NORMAL * 10)) -ge $((${free:-0} * gain)) ] ||
		fail "governed, the slowest normal QP delivered $MIN_NORMAL (ungoverned $free)"
	[ $((FLOODER_DELIVERED * 10)) -le $((MIN_NORMAL * 15)) ] ||
		fail "governed, the flooder still got $FLOODER_DELIVERED (slowest normal $MIN_NORMAL)"
}

test_gov_flood_dedicated_cqs_poll() { gov_compare dedicated poll 20; }
test_gov_flood_dedicated_cqs_buffer() { gov_compare dedicated buffer 20; }
test_gov_flood_shared_cq_repost() { gov_compare shared repost 8; }

# The MPI shape: 32 ranks on one SRQ sending in bursts, one of them
# without pause and its messages slow to match; buffers back by identity.
test_gov_flood_mpi_buffer() { gov_compare mpi buffer 20 -n 32; }

# gov_qp_field QPN FIELD: FIELD of QPN's line in gov_flood's status.
gov_qp_field() {
	awk -v q="$1" -v f="$2" '$1 == "status:" && $2 == "qp" && $3 == q {
		for (i = 4; i < NF; i++) if ($i == f) { print $(i + 1); exit } }' <<<"$GOV_OUT"
}

# The SPDK/nvmet shape: one CQ polled at once, buffers reposted out of
# order when their requests are processed, the flooder's slowly. Honest
# hosts keep 4 requests outstanding (their queue depth) and the limit is
# 4: none is ever refused, the flooder never holds more than 4, and
# (stock kernel; the debug kernel is CPU-bound) the slowest honest QP
# keeps at least half of its flood-free rate.
test_gov_flood_spdk_buffer() {
	local q refused=
	gov_compare spdk buffer 20 || return
	for q in $(awk -v f="$FLOODER" '$1 == "qp" && $2 != f { print $2 }' <<<"$GOV_OUT"); do
		[ "$(gov_qp_field "$q" rnr)" = 0 ] || refused+=" qp $q: $(gov_qp_field "$q" rnr)"
	done
	[ -z "$refused" ] || fail "honest QPs refused over their limit:$refused"
	[ "$(gov_qp_field "$FLOODER" held)" -le 4 ] ||
		fail "the flooder holds $(gov_qp_field "$FLOODER" held), over its limit 4"
	[ -n "$GOV_FREE" ] || return 0
	[ $((GOV_MIN_FLOOD * 2)) -ge "$GOV_FREE" ] ||
		fail "governed, the slowest honest QP got $GOV_MIN_FLOOD, under half of its flood-free $GOV_FREE"
}

# The armed watermark fires once, and the offender report taken at that
# moment names the flooder first.
test_gov_watermark_names_flooder() {
	srx0_add || return
	gov_run -s dedicated -C poll -L 12 -w 8 || return
	expect_eq "$(awk '$1 == "srq_limit_events" { print $2 }' <<<"$GOV_OUT")" 1 \
		"SRQ_LIMIT_REACHED events"
	expect_eq "$(gov_cnt gov_watermark_events)" 1 "gov_watermark_events"
	expect_match "^status:   watermark 1: qp $FLOODER " "$GOV_OUT" \
		"offender report"
	expect_match "^status:   qp $FLOODER limit 12 " "$GOV_OUT" "flooder's limit"
}

# gov_tracefs: tracefs mounted, with srx's events; sets TRACEFS.
gov_tracefs() {
	TRACEFS=/sys/kernel/tracing
	[ -d $TRACEFS/events ] || mount -t tracefs nodev $TRACEFS ||
		{ fail "cannot mount tracefs"; return 1; }
	[ -d $TRACEFS/events/srx ] || { fail "no events/srx in tracefs"; return 1; }
}

# The operator's watermark (gov/watermark: % of each new SRQ, free WQEs)
# needs nothing from the consumer: it fires while the flooder drains the
# SRQ, re-arms as the SRQ refills, wakes a poll() on
# gov/watermark_events, and its ranking names the flooder.
test_gov_admin_watermark() {
	local before after pid out line size
	srx0_add || return
	expect_ok bash -c "echo 25 > $GOV/watermark"
	before=$(cat $GOV/watermark_events)
	gov_tracefs || return
	echo >$TRACEFS/trace
	echo 1 >$TRACEFS/events/srx/srx_gov_watermark/enable
	out=$(mktemp)
	python3 -c '
import select, sys
f = open(sys.argv[1])
f.read()
p = select.poll()
p.register(f, select.POLLPRI | select.POLLERR)
print("ready", flush=True)
print("woke" if p.poll(120000) else "timeout", flush=True)
' "$GOV/watermark_events" >"$out" 2>&1 &
	pid=$!
	wait_for grep -q ready "$out"
	gov_run -s dedicated -C poll || { kill "$pid"; rm -f "$out"; return; }
	wait "$pid"
	expect_eq "$(tail -1 "$out")" woke "poll() on gov/watermark_events"
	rm -f "$out"
	after=$(cat $GOV/watermark_events)
	note "admin watermark events: $((after - before))"
	[ $((after - before)) -ge 2 ] ||
		fail "the watermark fired $((after - before)) times, not re-armed"
	expect_eq "$(gov_cnt gov_admin_watermark_events)" "$after" \
		"hw counter gov_admin_watermark_events"
	# 25% of the SRQ's real size (the ring rounds max_wr up), rounded up.
	line=$(grep '^status: srq ' <<<"$GOV_OUT")
	size=$(sed -E 's/.* size ([0-9]+) .*/\1/' <<<"$line")
	expect_match " admin_wm $(((size * 25 + 99) / 100)) " "$line" "SRQ's mark"
	# The ranking kept at each fire is the fill of that moment (the last
	# fire may follow the flooder's poll); at the first, the flooder has
	# drained the SRQ, and the tracepoint names it worst.
	expect_match "^srx0 srq [0-9]+ admin watermark, [0-9]+ free; worst qp $FLOODER " \
		"$(sed -nE 's/.*srx_gov_watermark: //p' $TRACEFS/trace | grep -m1 ' admin watermark')" \
		"offender ranking at the first watermark"
	echo 0 >$TRACEFS/events/srx/srx_gov_watermark/enable
	echo >$TRACEFS/trace
	# The offender's remote end, for the operator to name the host.
	expect_match "^status:   qp $FLOODER .* peer [0-9.]+ dqpn [0-9]+$" \
		"$GOV_OUT" "the flooder's peer"
}

# Every governance decision is a tracepoint (events/srx/ in tracefs): a
# refusal names the QP, what it holds, its limit and the RNR timer srx
# chose, which backs off while the flooder stays over its limit (up to
# code 20); the srq_limit watermark names the worst QP.
test_gov_tracepoints() {
	local T out max
	gov_tracefs || return
	T=$TRACEFS
	srx0_add || return
	echo >$T/trace
	echo 1 >$T/events/srx/enable
	gov_run -s dedicated -C poll -L 4 -w 8
	echo 0 >$T/events/srx/enable
	out=$(grep -E 'srx_(gov|ooo)_' $T/trace)
	note "$(grep -c srx_gov_refuse <<<"$out") refusals traced"
	expect_match "srx_gov_refuse: srx0 srq [0-9]+ qp $FLOODER held 4 limit 4 streak [0-9]+ rnr rnr_timer " \
		"$out" "the flooder's refusal"
	expect_match "srx_gov_watermark: srx0 srq [0-9]+ srq_limit watermark, [0-9]+ free; worst qp $FLOODER " \
		"$out" "the watermark, naming the flooder"
	# gov_flood's QPs have min_rnr_timer 1: refusals in a row back off
	# from there, never past code 20 (the stock kernel reaches it; the
	# debug kernel, slower to refuse, gets fewer in a row).
	max=$(sed -nE "s/.* qp $FLOODER .* rnr_timer ([0-9]+)$/\1/p" <<<"$out" | sort -n | tail -1)
	note "longest RNR timer chosen for the flooder: code ${max:-none}"
	[ "${max:-0}" -ge 3 ] && [ "$max" -le 20 ] ||
		fail "the flooder's RNR timer did not back off within 3..20: ${max:-none}"
	echo >$T/trace
}

test_gov_sysfs_defaults() {
	srx0_add || return
	expect_eq "$(cat $GOV/qp_limit)" none "default qp_limit"
	expect_eq "$(cat $GOV/mode)" static "default mode"
	expect_ok bash -c "echo 7 > $GOV/qp_limit"
	expect_eq "$(cat $GOV/qp_limit)" 7 "qp_limit"
	expect_ok bash -c "echo repost > $GOV/credit"
	expect_eq "$(cat $GOV/credit)" repost "credit"
	expect_ok bash -c "echo disconnect > $GOV/policy_rc"
	expect_err 'Invalid argument' bash -c "echo bogus > $GOV/credit"
	expect_err 'Invalid argument' bash -c "echo -3 > $GOV/qp_limit"
	expect_err 'Invalid argument' bash -c "echo 'qp abc limit 3' > $GOV/ctl"
	expect_err 'Invalid argument' bash -c "echo 'frob 1 limit 3' > $GOV/ctl"
	expect_err 'No such file' bash -c "echo 'qp 99999 limit 3' > $GOV/ctl"
	expect_err 'No such file' bash -c "echo 'srq 4242 credit poll' > $GOV/ctl"
	expect_err 'Operation not permitted' setpriv --inh-caps=-net_admin \
		--bounding-set=-net_admin bash -c "echo 1 > $GOV/qp_limit"
}

gov_res_has() {
	rdma res show "$1" -dd 2>/dev/null | grep -q "$2"
}

# While traffic runs, rdma res shows the governance driver attributes.
# The flood lasts until the queries are done, however slow the guest
# (each query took ~2 s on a loaded TCG guest, ~10 s with the debug
# kernel beside another guest), then it is stopped.
TEST_TIMEOUT_test_gov_restrack_attributes=600
test_gov_restrack_attributes() {
	local pid
	srx0_add || return
	timeout 600 "$BIN/gov_flood" -d srx0 -g 1 -t 550 -L 5 >/dev/null 2>&1 &
	pid=$!
	WAIT_TRIES=1200 wait_for gov_res_has qp 'gov_limit 5'
	WAIT_TRIES=1200 wait_for gov_res_has qp 'gov_draws'
	WAIT_TRIES=1200 wait_for gov_res_has srq 'gov_mode static'
	WAIT_TRIES=1200 wait_for gov_res_has srq 'gov_credit poll'
	kill -0 "$pid" 2>/dev/null || fail "gov_flood ended before the queries"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

gov_status_qps() {
	[ "$(grep -c '^  qp ' "$GOV_STATUS")" -ge "$1" ]
}

# Scale: 1000 RC connections on one SRQ of 4096 WQEs, each limited to 8,
# all sending (SPDK shape: one CQ polled at once, each buffer back when
# its request is processed; connection 0 floods and is slow). Every
# connection delivers; gov_status, srxctl (netlink dumps, JSON too) and
# the ranking list all 1000 with none over its limit, the flooder first.
TEST_TIMEOUT_test_gov_scale_1000_qps=280
test_gov_scale_1000_qps() {
	local out=/tmp/gov-scale.$$ line srq flooder n first
	local SRXCTL=$REPO/build/tools/srxctl
	srx0_add || return
	: >"$out"
	coproc SCALE { timeout 240 "$BIN/gov_flood" -d srx0 -g 1 -s spdk \
		-C buffer -n 1000 -q 4096 -L 8 -t 5 -H 120 2>&1; }
	while read -r -t 230 -u "${SCALE[0]}" line; do
		echo "$line" >>"$out"
		[ "$line" = holding ] && break
	done
	if [ "$line" != holding ]; then
		fail "gov_flood did not get to its hold: $(tail -n 5 "$out")"
		rm -f "$out"
		return
	fi
	flooder=$(awk '$1 == "flooder" { print $2 }' "$out")
	expect_eq "$(grep -c '^qp [0-9]* delivered ' "$out")" 1000 "connections"
	expect_eq "$(grep -c '^qp [0-9]* delivered 0$' "$out")" 0 \
		"connections that delivered nothing"
	expect_eq "$(grep -c '^status:   qp ' "$out")" 1000 "QPs in gov_status"
	srq=$("$SRXCTL" srq show srx0 | awk '$1 == "srq" { print $2; exit }')
	n=$("$SRXCTL" qp show srx0 | grep -c '^qp ')
	expect_eq "$n" 1000 "QPs in srxctl qp show"
	expect_eq "$("$SRXCTL" -j srq show "srx0/$srq" |
		python3 -c 'import json,sys; q=json.load(sys.stdin)[0]["qps"]; print(len(q), max(x["held"] for x in q) <= 8)')" \
		"1000 True" "srxctl -j srq show: QPs, none over its limit"
	expect_eq "$("$SRXCTL" offenders "srx0/$srq" | wc -l)" 1000 "ranked QPs"
	# Honest hosts keep 4 requests outstanding, under their limit of 8,
	# and fill the SRQ with them: the flooder is the one QP refused,
	# whatever it holds when the traffic stops.
	first=$("$SRXCTL" offenders "srx0/$srq" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "refused" && $(i + 1) > 0) print }')
	expect_eq "$(grep -c . <<<"$first")" 1 "QPs refused"
	expect_match "^[0-9]+ qp $flooder held [0-8] limit 8 " "$first" \
		"the only QP of 1000 refused"
	note "refused: $first; $(grep '^min_normal' "$out")"
	eval "exec ${SCALE[1]}>&-"
	wait "$SCALE_PID" 2>/dev/null
	rm -f "$out"
}

# gov_status has no page limit: 100 QPs on one SRQ (ibv_srq_pingpong's
# server, waiting for its peer), about three pages of text, are all
# listed, to cat and to srxctl.
test_gov_status_many_qps() {
	local pid out n=100
	srx0_add || return
	timeout 120 ibv_srq_pingpong -d srx0 -g 1 -q $n -p 18777 >/dev/null 2>&1 &
	pid=$!
	wait_for gov_status_qps $n
	expect_eq "$(grep -c '^  qp ' "$GOV_STATUS")" $n "QP lines in gov_status"
	expect_eq "$(grep -c "^srq .* qps $n " "$GOV_STATUS")" 1 "SRQ line"
	[ "$(wc -c <"$GOV_STATUS")" -gt 8192 ] || fail "gov_status is only $(wc -c <"$GOV_STATUS") bytes"
	# Read in 100-byte pieces, one open file: the same lines, none torn.
	out=$(dd if="$GOV_STATUS" bs=100 2>/dev/null | grep -c '^  qp [0-9]* limit none held 0 ')
	expect_eq "$out" $n "QP lines read 100 bytes at a time"
	out=$("$REPO/build/tools/srxctl" -j srq show srx0)
	expect_eq "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["qps"]))' <<<"$out")" \
		$n "QPs in srxctl -j srq show"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# gov_status is a debugfs seq_file, root's only (the sysfs table is
# gone); a reader that holds it open across the device's deletion gets
# an error, not freed memory, and does not keep srx from unloading.
test_gov_status_outlives_device() {
	local out
	srx0_add || return
	[ ! -e "$GOV/status" ] || fail "gov/status is still in sysfs"
	expect_eq "$(stat -c %a "$GOV_STATUS")" 400 "gov_status mode"
	expect_err 'Permission denied' setpriv --reuid=65534 --regid=65534 \
		--clear-groups cat "$GOV_STATUS"
	exec 7<"$GOV_STATUS" || { fail "cannot open gov_status"; return; }
	expect_ok rdma link delete srx0
	[ ! -e "$GOV_STATUS" ] || fail "gov_status left after the delete"
	out=$(cat <&7 2>&1) && fail "read after the delete returned '$out'"
	exec 7<&-
	expect_ok rmmod srx
}

# A process that scribbles over its own CQ ring (indices out of range,
# ahead, behind, CQEs naming another QP, rewritten during resize) gains
# no credit beyond its limit and leaves the other QP on its SRQ alone
# (build/tests/gov_tamper; it also checks the kernel is not tainted).
# On the debug kernel with less traffic, fewer resizes, longer waits.
test_gov_tamper_cq_ring() {
	local out rc args=(-L 8)
	[ "${SRX_KERNEL:-}" = debug ] && args+=(-v 8 -r 20 -s 10)
	srx0_add || return
	out=$(timeout 270 "$BIN/gov_tamper" -d srx0 -g 1 "${args[@]}" 2>&1)
	rc=$?
	grep -E '^(# |gov_tamper:)' <<<"$out" | while IFS= read -r line; do
		note "$line"
	done
	[ $rc -eq 0 ] || fail "gov_tamper exited $rc: $(grep '^not ok' <<<"$out")"
}

# gov_defaults: every device created afterwards starts governed, so the
# defaults are in force from `rdma link add` on; bad lists are refused.
test_gov_module_defaults() {
	local P=/sys/module/srx/parameters/gov_defaults
	links_clean
	srx_unload || { fail "cannot unload srx"; return; }
	expect_err 'Invalid parameters' insmod "$SRX_KO" gov_defaults=bogus=1
	expect_err 'Invalid parameters' insmod "$SRX_KO" gov_defaults=qp_limit=-2
	srx_load gov_defaults=qp_limit=5,credit=repost || { fail "insmod"; return; }
	srx0_add || return
	expect_eq "$(cat $GOV/qp_limit)" 5 "qp_limit from gov_defaults"
	expect_eq "$(cat $GOV/credit)" repost "credit from gov_defaults"
	expect_eq "$(cat $GOV/mode)" static "mode not in the list"
	expect_err 'Invalid argument' bash -c "echo 'mode=sometimes' > $P"
	expect_ok bash -c "echo 'policy_rc=drop' > $P"
	expect_eq "$(cat $GOV/policy_rc)" rnr "an existing device"
	expect_ok rdma link delete srx0
	srx0_add || return
	expect_eq "$(cat $GOV/policy_rc)" drop "a later device"
	expect_eq "$(cat $GOV/qp_limit)" none "a later device, qp_limit"
	echo > $P
}
