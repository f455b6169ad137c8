# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Governance from user space: a process governing its own SRQ and QPs
# through srx's uverbs methods (build/tests/gov_self, via libsrxctl),
# with and without privilege; and every srxctl subcommand, on objects a
# holder process keeps still (gov_self -H: its first receiving QP holds
# 3 WQEs of a 16-WQE SRQ), with the bad arguments too.

SRXCTL=$REPO/build/tools/srxctl

# expect_rc CODE CMD...: the command must exit with CODE.
expect_rc() {
	local want=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $out"
}

self_run() {
	local out
	out=$("$@" "$BIN/gov_self" -d srx0 -g 1 2>&1)
	grep -E '^not ok' <<<"$out"
	expect_match '^[0-9]+ passed, 0 failed' "$(tail -n1 <<<"$out")" \
		"gov_self"
}

test_srxctl_self_governance() {
	srx0_add || return
	self_run
}

# No privilege needed to govern one's own objects; the operator's
# interface still refuses the unprivileged.
test_srxctl_self_unprivileged() {
	srx0_add || return
	chmod 0666 /dev/infiniband/uverbs* || return
	self_run setpriv --reuid=65534 --regid=65534 --clear-groups
	expect_err 'Permission denied' setpriv --reuid=65534 \
		--regid=65534 --clear-groups "$SRXCTL" dev set srx0 qp_limit 3
	expect_eq "$(cat /sys/class/infiniband/srx0/gov/qp_limit)" none \
		"qp_limit after the refused change"
}

# hold_start: the holder is up; sets R0 R1 R2 (its receiving QPs), SRQ.
hold_start() {
	local ready
	coproc HOLD { "$BIN/gov_self" -d srx0 -g 1 -H; }
	read -r -t 60 -u "${HOLD[0]}" ready || { fail "holder not ready"; return 1; }
	read -r _ R0 R1 R2 <<<"$ready"
	SRQ=$("$SRXCTL" srq show srx0 | awk '$1 == "srq" { print $2; exit }')
	[ -n "$SRQ" ] || { fail "no SRQ listed"; return 1; }
}

hold_stop() {
	local pid=$HOLD_PID
	eval "exec ${HOLD[1]}>&-"
	wait "$pid" || fail "holder failed"
}

ctl() {
	expect_ok "$SRXCTL" "$@"
}

test_srxctl_show_and_set() {
	local out
	srx0_add || return
	hold_start || return
	out=$("$SRXCTL" srq show "srx0/$SRQ")
	expect_match "^srq $SRQ size [0-9]+ mode static credit buffer " "$out" "srq show"
	expect_match "^  qp $R0 limit none held 3 policy rnr group 0 draws 3 " \
		"$out" "srq show's QP"
	# srxctl reads what `rdma res show -dd` shows (netlink driver
	# attributes, which rdma prefixes drv_); the same numbers there.
	out=$(rdma res show qp lqpn "$R0" -dd)
	expect_match "drv_gov_srqn $SRQ drv_gov_limit 4294967295 drv_gov_held 3 drv_gov_policy rnr " \
		"$out" "rdma res show qp -dd"
	expect_match "drv_gov_size [0-9]+ drv_gov_mode static drv_gov_credit buffer " \
		"$(rdma res show srq srqn "$SRQ" -dd)" "rdma res show srq -dd"
	ctl qp set-limit "srx0/$R1" 5
	ctl qp set-policy "srx0/$R1" drop
	expect_match "^qp $R1 limit 5 held 0 policy drop " \
		"$("$SRXCTL" qp show "srx0/$R1")" "qp show"
	ctl qp set-limit "srx0/$R1" none
	expect_match "^qp $R1 limit none " "$("$SRXCTL" qp show "srx0/$R1")"
	ctl srq set-group "srx0/$SRQ" 9 6
	ctl qp set-group "srx0/$R0" 9
	expect_match "^  group 9 limit 6 held 3 members 1$" \
		"$("$SRXCTL" srq show srx0)" "group"
	ctl qp set-group "srx0/$R0" none
	ctl srq del-group "srx0/$SRQ" 9
	expect_no_match "group 9" "$("$SRXCTL" srq show srx0)" "removed group"
	expect_err 'No such file' "$SRXCTL" srq del-group "srx0/$SRQ" 9
	# Out-of-order holding, per QP and per SRQ, and back to defaults.
	ctl qp set-ooo "srx0/$R0" 3
	expect_match "^qp $R0 .* ooo_limit 3 ooo_holding 0 " \
		"$("$SRXCTL" qp show "srx0/$R0")" "QP's OOO limit"
	expect_err 'Invalid argument' "$SRXCTL" qp set-ooo "srx0/$R0" 99
	expect_rc 2 "$SRXCTL" qp set-ooo "srx0/$R0" lots
	ctl srq set-ooo "srx0/$SRQ" 2 default
	expect_match " ooo_cap 2 ooo_low [0-9]+ ooo_holding 0 " \
		"$("$SRXCTL" srq show "srx0/$SRQ")" "SRQ's OOO cap"
	expect_match "drv_ooo_cap 2 drv_ooo_low [0-9]+ drv_ooo_holding 0" \
		"$(rdma res show srq srqn "$SRQ" -dd)" "rdma res: the OOO cap"
	ctl srq set-ooo "srx0/$SRQ" default default
	ctl qp set-ooo "srx0/$R0" default
	expect_match "^qp $R0 .* ooo_limit 8 " \
		"$("$SRXCTL" qp show "srx0/$R0")" "QP's OOO limit, default"
	ctl srq set-mode "srx0/$SRQ" share 100 1 4
	out=$("$SRXCTL" srq show srx0)
	expect_match "mode share .* overcommit 100 floor 1 ceiling 4 " "$out"
	expect_match "^  qp $R2 limit 4 " "$out" "share-mode limit"
	ctl srq set-mode "srx0/$SRQ" static
	expect_match "^  qp $R2 limit none " "$("$SRXCTL" srq show srx0)"
	# The credit mode changes only while nothing is held.
	expect_err 'Device or resource busy' "$SRXCTL" srq set-credit \
		"srx0/$SRQ" repost
	hold_stop
}

test_srxctl_offenders_and_json() {
	local out
	srx0_add || return
	hold_start || return
	out=$("$SRXCTL" offenders "srx0/$SRQ")
	# Ranked by what it holds, then what it did lately; with its peer
	# (gov_self connects its QPs to its own address).
	expect_match "^1 qp $R0 held 3 limit 4294967295 draws 3 refused 0 recent_draws [0-3] recent_refused 0 peer [0-9.]+ dqpn [0-9]+$" \
		"$out" "offenders"
	expect_eq "$(wc -l <<<"$out")" 3 "ranked QPs"
	expect_eq "$("$SRXCTL" offenders "srx0/$SRQ" --watermark)" "" \
		"watermark ranking before any watermark"
	out=$("$SRXCTL" -j offenders "srx0/$SRQ")
	expect_eq "$(python3 -c 'import json,sys; o=json.load(sys.stdin)[0]; print(o["qpn"], o["peer"] is not None, o["cm_id"])' <<<"$out")" \
		"$R0 True None" "JSON offenders"
	out=$("$SRXCTL" -j srq show srx0)
	expect_eq "$(python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; print(s["size"] >= 16, s["mode"], len(s["qps"]), s["ceiling"])' <<<"$out")" \
		"True static 3 None" "JSON srq show"
	out=$("$SRXCTL" -j qp show "srx0/$R0")
	expect_eq "$(python3 -c 'import json,sys; q=json.load(sys.stdin)[0]; print(q["held"], q["limit"], q["policy"])' <<<"$out")" \
		"3 None rnr" "JSON qp show"
	out=$("$SRXCTL" -j dev show srx0)
	expect_eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["qp_limit"])' <<<"$out")" \
		none "JSON dev show"
	hold_stop
}

test_srxctl_defaults() {
	srx0_add || return
	expect_match "^qp_limit none$" "$("$SRXCTL" dev show srx0)" "dev show"
	ctl dev set srx0 qp_limit 7
	ctl dev set srx0 credit repost
	expect_match "^qp_limit 7$" "$("$SRXCTL" dev show srx0)"
	expect_match "^credit repost$" "$("$SRXCTL" dev show srx0)"
	expect_err 'Invalid argument' "$SRXCTL" dev set srx0 credit sometimes
	expect_rc 2 "$SRXCTL" dev set srx0 bogus 1
}

test_srxctl_bad_arguments() {
	srx0_add || return
	hold_start || return
	expect_rc 2 "$SRXCTL"
	expect_rc 0 "$SRXCTL" help
	expect_rc 2 "$SRXCTL" frob show srx0
	expect_rc 2 "$SRXCTL" qp frob "srx0/$R0" 1
	expect_rc 2 "$SRXCTL" qp set-limit srx0 3
	expect_rc 2 "$SRXCTL" qp set-limit srx0/x 3
	expect_rc 2 "$SRXCTL" qp set-limit "srx0/$R0" -1
	expect_rc 2 "$SRXCTL" qp set-limit "srx0/$R0" 1 2
	expect_rc 2 "$SRXCTL" qp set-policy "srx0/$R0" nice
	expect_rc 2 "$SRXCTL" qp set-credit "srx0/$R0" poll
	expect_rc 2 "$SRXCTL" srq set-group "srx0/$SRQ" 0 3
	expect_rc 2 "$SRXCTL" srq set-mode "srx0/$SRQ" share 100
	expect_rc 2 "$SRXCTL" offenders srx0
	expect_rc 2 "$SRXCTL" offenders "srx0/$SRQ" --now
	expect_rc 2 "$SRXCTL" dev show srx0/1
	expect_err 'No such device' "$SRXCTL" qp show nodev
	expect_err 'No such file' "$SRXCTL" qp set-limit srx0/999999 1
	expect_err 'No such file' "$SRXCTL" qp set-group "srx0/$R0" 42
	expect_err 'No such file' "$SRXCTL" srq show srx0/4242
	expect_err 'Invalid argument' "$SRXCTL" srq set-mode "srx0/$SRQ" \
		share 0 1 4
	expect_err 'Operation not permitted' setpriv --inh-caps=-net_admin \
		--bounding-set=-net_admin "$SRXCTL" qp set-limit "srx0/$R0" 1
	expect_eq "$("$SRXCTL" qp show "srx0/$R0" | awk '{ print $4 }')" none \
		"limit after the refused change"
	hold_stop
}
