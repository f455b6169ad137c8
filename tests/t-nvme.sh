# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# NVMe over RDMA end to end on one device, in loopback: the in-kernel
# target (nvmet + nvmet-rdma, configured through configfs) exports a
# RAM-backed null_blk namespace on 10.0.2.15:4420, the in-kernel host
# (nvme-rdma) connects to it over the same RDMA device, and a random
# pattern written with O_DIRECT must read back unchanged. This drives
# the provider from kernel ULPs on both sides: RC QPs through rdma_cm,
# SENDs with inline data (4 KiB writes), RDMA READs by the target
# (large writes), RDMA WRITEs by the target (reads), fast-registration
# MRs and invalidation, and with use_srq=1 an SRQ shared by every queue
# of the target.
#
# NVME_PROV=srx (default) or rxe selects the provider; rxe validates the
# test itself. Every step is bounded; whatever was set up is torn down in
# reverse order even when a step fails or the test times out.

NVME_PROV=${NVME_PROV:-srx}
NVME_NQN=nqn.2024-01.org.srx:t-nvme
NVME_ADDR=10.0.2.15
NVME_PORT=4420
NVME_CFG=/sys/kernel/config/nvmet
NVME_PAT_MB=8		# the pattern written with large direct I/Os
NVME_SMALL_KB=64	# and one written in 4 KiB blocks, 16 MiB further on

# Progress of the setup, for nvme_cleanup: what has to be undone.
NVME_DEV=
NVME_STATE=
NVME_TMO_SAVED=

nvme_did() { [[ " $NVME_STATE " == *" $1 "* ]]; }
nvme_done() { NVME_STATE="$NVME_STATE $1"; }

# The RoCEv2 GID of $NVME_ADDR on device $1 exists (rdma_cm resolves the
# address through the GID table).
nvme_gid_ready() {
	local d=/sys/class/infiniband/$1/ports/1 want g i
	# shellcheck disable=SC2046,SC2183 # the four octets, split on purpose
	want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' \
		$(tr . ' ' <<<"$NVME_ADDR"))
	for g in "$d"/gids/*; do
		i=${g##*/}
		[ "$(cat "$g" 2>/dev/null)" = "$want" ] &&
			[ "$(cat "$d/gid_attrs/types/$i" 2>/dev/null)" = "RoCE v2" ] &&
			return 0
	done
	return 1
}

nvme_provider_up() {
	case $NVME_PROV in
	srx)
		NVME_DEV=srx0
		expect_ok timeout 30 rdma link add srx0 type srx netdev eth0 || return 1
		;;
	rxe)
		NVME_DEV=rxe0
		# rdma_rxe binds UDP 4791 at module load: no srx device may exist.
		expect_ok timeout 30 modprobe rdma_rxe || return 1
		nvme_done rxe_mod
		expect_ok timeout 30 rdma link add rxe0 type rxe netdev eth0 || return 1
		;;
	*)
		fail "NVME_PROV must be srx or rxe, not '$NVME_PROV'"
		return 1
		;;
	esac
	nvme_done link
	wait_for nvme_gid_ready "$NVME_DEV" || return 1
	note "provider $NVME_PROV: device $NVME_DEV"
}

# nvme_target_up SRQ: null_blk namespace, subsystem, RDMA port.
nvme_target_up() {
	local srq=$1 s=$NVME_CFG/subsystems/$NVME_NQN p=$NVME_CFG/ports/1

	expect_ok timeout 30 modprobe null_blk nr_devices=1 gb=1 memory_backed=1 || return 1
	nvme_done null_blk
	wait_for test -b /dev/nullb0 || return 1
	expect_ok timeout 30 modprobe nvmet || return 1
	# use_srq is read when a device is first used by the target: reload.
	expect_ok timeout 60 modprobe -r nvmet_rdma || return 1
	expect_ok timeout 30 modprobe nvmet_rdma use_srq="$srq" || return 1
	nvme_done nvmet
	local want=N got
	[ "$srq" = 1 ] && want=Y
	got=$(cat /sys/module/nvmet_rdma/parameters/use_srq)
	[ "$got" = "$want" ] || { fail "nvmet_rdma use_srq is $got, wanted $want"; return 1; }
	[ -d "$NVME_CFG" ] || { fail "$NVME_CFG missing (configfs not mounted?)"; return 1; }

	mkdir "$s" || { fail "mkdir $s"; return 1; }
	nvme_done subsys
	echo 1 >"$s/attr_allow_any_host" &&
		mkdir "$s/namespaces/1" &&
		nvme_done ns &&
		echo -n /dev/nullb0 >"$s/namespaces/1/device_path" &&
		echo 1 >"$s/namespaces/1/enable" &&
		nvme_done ns_enabled ||
		{ fail "configfs: namespace setup"; return 1; }

	mkdir "$p" || { fail "mkdir $p"; return 1; }
	nvme_done port
	echo rdma >"$p/addr_trtype" &&
		echo ipv4 >"$p/addr_adrfam" &&
		echo "$NVME_ADDR" >"$p/addr_traddr" &&
		echo "$NVME_PORT" >"$p/addr_trsvcid" ||
		{ fail "configfs: port setup"; return 1; }
	# Linking the subsystem enables the port: rdma_cm listens.
	ln -s "$s" "$p/subsystems/$NVME_NQN" ||
		{ fail "configfs: enabling port $NVME_ADDR:$NVME_PORT (nvmet-rdma listen)"; return 1; }
	nvme_done port_link
}

# The namespace block device of our subsystem, e.g. nvme0n1 (the
# multipath head when native multipath is on, else the controller's).
nvme_find_bdev() {
	local c b
	for c in /sys/class/nvme-subsystem/* /sys/class/nvme/*; do
		[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$NVME_NQN" ] || continue
		for b in "$c"/nvme*n*; do
			b=${b##*/}
			[[ $b =~ ^nvme[0-9]+n[0-9]+$ ]] && [ -b "/dev/$b" ] &&
				{ echo "$b"; return 0; }
		done
	done
	return 1
}

nvme_host_connect() {
	local hostnqn hostid out
	expect_ok timeout 30 modprobe nvme_rdma || return 1
	nvme_done nvme_rdma
	# Fail I/O within seconds rather than retrying for minutes when the
	# transport breaks (nvme_core's default io_timeout is 30 s).
	NVME_TMO_SAVED=$(cat /sys/module/nvme_core/parameters/io_timeout)
	echo 20 >/sys/module/nvme_core/parameters/io_timeout
	# The read-only root has no /etc/nvme/hostnqn: give the host identity.
	hostid=$(cat /proc/sys/kernel/random/uuid)
	hostnqn=nqn.2014-08.org.nvmexpress:uuid:$hostid
	nvme_done connect
	out=$(timeout 90 nvme connect -t rdma -a "$NVME_ADDR" -s "$NVME_PORT" \
		-n "$NVME_NQN" --hostnqn="$hostnqn" --hostid="$hostid" \
		--ctrl-loss-tmo=10 --reconnect-delay=2 --keep-alive-tmo=15 2>&1) ||
		{ fail "nvme connect over $NVME_DEV: $out"; return 1; }
	local i
	for ((i = 0; i < 300; i++)); do
		NVME_BDEV=$(nvme_find_bdev) && break
		sleep 0.1
	done
	if [ -z "${NVME_BDEV:-}" ]; then
		fail "no block device for $NVME_NQN after connect: $(ls /sys/class/nvme* 2>&1)"
		return 1
	fi
	note "connected: /dev/$NVME_BDEV, $(($(cat /sys/block/$NVME_BDEV/size) / 2048)) MiB"
}

# Write random patterns with O_DIRECT, read them back, compare.
nvme_io_check() {
	local dev=/dev/$NVME_BDEV pat=/tmp/nvme-pat back=/tmp/nvme-back
	local skb=$((16 * 1024))

	head -c $((NVME_PAT_MB << 20)) /dev/urandom >$pat
	head -c $((NVME_SMALL_KB << 10)) /dev/urandom >$pat.small
	# Large I/Os: the target pulls the data with RDMA READ, pushes reads
	# with RDMA WRITE.
	expect_ok timeout 90 dd if=$pat of="$dev" bs=1M oflag=direct status=none || return 1
	expect_ok timeout 90 dd if="$dev" of=$back bs=1M count=$NVME_PAT_MB iflag=direct status=none || return 1
	if cmp -s $pat $back; then
		note "$NVME_PAT_MB MiB written and read back with 1 MiB direct I/O: identical"
	else
		fail "data read back differs from the pattern written (1 MiB I/Os): $(cmp $pat $back 2>&1 | head -1)"
	fi
	# 4 KiB writes fit the target's inline data: the data rides on SEND.
	expect_ok timeout 90 dd if=$pat.small of="$dev" bs=4k seek=$((skb / 4)) oflag=direct status=none || return 1
	expect_ok timeout 90 dd if="$dev" of=$back.small bs=4k skip=$((skb / 4)) \
		count=$((NVME_SMALL_KB / 4)) iflag=direct status=none || return 1
	if cmp -s $pat.small $back.small; then
		note "$NVME_SMALL_KB KiB written and read back with 4 KiB direct I/O: identical"
	else
		fail "data read back differs from the pattern written (4 KiB I/Os): $(cmp $pat.small $back.small 2>&1 | head -1)"
	fi
	# The large pattern is still intact below the small one.
	expect_ok timeout 90 dd if="$dev" of=$back bs=1M count=$NVME_PAT_MB iflag=direct status=none &&
		{ cmp -s $pat $back || fail "first pattern changed after the 4 KiB writes"; }
	rm -f $pat $pat.small $back $back.small
}

# Undo whatever nvme_run set up, in reverse order. Never fails the test
# by itself except when the host cannot disconnect.
nvme_cleanup() {
	local s=$NVME_CFG/subsystems/$NVME_NQN p=$NVME_CFG/ports/1
	trap - TERM INT
	if nvme_did connect; then
		if compgen -G '/sys/class/nvme/nvme*' >/dev/null; then
			timeout 60 nvme disconnect -n "$NVME_NQN" >/dev/null 2>&1 ||
				fail "nvme disconnect -n $NVME_NQN"
		fi
		[ -z "$NVME_TMO_SAVED" ] ||
			echo "$NVME_TMO_SAVED" >/sys/module/nvme_core/parameters/io_timeout
	fi
	nvme_did port_link && rm -f "$p/subsystems/$NVME_NQN"
	nvme_did port && rmdir "$p" 2>/dev/null
	nvme_did ns_enabled && echo 0 >"$s/namespaces/1/enable"
	nvme_did ns && rmdir "$s/namespaces/1" 2>/dev/null
	nvme_did subsys && rmdir "$s" 2>/dev/null
	nvme_did nvme_rdma && timeout 60 modprobe -r nvme_rdma 2>/dev/null
	nvme_did nvmet && timeout 60 modprobe -r nvmet_rdma nvmet 2>/dev/null
	nvme_did null_blk && timeout 60 modprobe -r null_blk 2>/dev/null
	nvme_did link && timeout 60 rdma link delete "$NVME_DEV" 2>/dev/null
	# rdma_rxe holds UDP 4791 while loaded; later tests add srx devices.
	nvme_did rxe_mod && timeout 60 modprobe -r rdma_rxe 2>/dev/null
	if [ -d "$p" ] || [ -d "$s" ]; then
		fail "configfs teardown left $(ls -d "$p" "$s" 2>/dev/null)"
	fi
	NVME_STATE=
}

# nvme_srq_check SRQ: with use_srq=1 the target's queues share SRQs on
# the device (one per completion vector), without it there are none.
nvme_srq_check() {
	local n
	n=$(rdma -j res show 2>/dev/null | python3 -c 'import json,sys
for d in json.load(sys.stdin):
    if d["ifname"] == sys.argv[1]: print(d.get("srq", 0))' "$NVME_DEV")
	if [ "$1" = 1 ]; then
		[ "${n:-0}" -gt 0 ] || fail "use_srq=1 but $NVME_DEV has no SRQ: '$n'"
	else
		[ "${n:-0}" = 0 ] || fail "use_srq=0 but $NVME_DEV has $n SRQs"
	fi
	note "SRQs on $NVME_DEV: $n"
}

# nvme_recovery_check LINES: the host must not have needed a timeout,
# error recovery or reconnect since dmesg had LINES lines; a retried I/O
# hides a lost message or completion from the compare. (A lost engine
# wakeup once stalled a queue until the host's I/O timeout.)
nvme_recovery_check() {
	local bad
	bad=$(dmesg | tail -n +$(($1 + 1)) |
		grep -E 'nvme nvme[0-9]+: .*(timeout|error recovery|Reconnecting|reconnect)')
	[ -z "$bad" ] && return 0
	fail "NVMe host needed recovery during the test:
$bad"
}

# nvme_run SRQ: the whole test with nvmet_rdma use_srq=SRQ.
nvme_run() {
	local lines
	NVME_STATE=
	lines=$(dmesg | wc -l)
	# guest-run's time limit sends SIGTERM: tear down before exiting.
	trap 'fail "interrupted"; nvme_cleanup; exit 1' TERM INT
	nvme_provider_up &&
		nvme_target_up "$1" &&
		nvme_host_connect &&
		nvme_srq_check "$1" &&
		nvme_io_check
	nvme_recovery_check "$lines"
	nvme_cleanup
}

test_nvme() {
	nvme_run 0
}

test_nvme_srq() {
	nvme_run 1
}

# ---------------------------------------------------------------------
# A flooding initiator on the target's shared SRQs (use_srq=1).
#
# tests/nvme_flood connects to the same port as a second, greedy host:
# an admin queue and NVME_FLOOD_QUEUES I/O queues (valid nvme_rdma_cm_req
# private data, Fabrics Connect, CC.EN), so its QPs share the target's
# SRQs with the real host's (nvmet_rdma makes one SRQ per completion
# vector, srq_size WQEs each; srx has one vector per CPU, the admin queue
# and every second I/O queue use SRQ 0). It then posts NVME_FLOOD_CMDS
# Flush commands per queue and never a receive buffer for the answers:
# the target's responses are RNR-NAKed for ever, its send queue for the
# connection fills, and every further command waits in nvmet_rdma's
# rsp_wr_wait_list holding its SRQ buffer (nvmet reposts a buffer when the
# command's response is queued, nvmet_rdma_queue_response(), and these
# wait for send completions that do not come). Enough commands take every
# WQE of every SRQ and the real host's commands are RNR-NAKed too, until
# the flooder goes away.
#
# The real host meanwhile writes NVME_FLOOD_BLOCKS 4 KiB blocks with
# O_DIRECT, one dd per block so that the blocks done by a given moment
# are known exactly, and reads them back.
#
# Ungoverned: the flooder takes (nearly) all the WQEs and the host writes
# nothing in NVME_FLOOD_WINDOW seconds; once the flooder has left, nvmet
# reposts what it held and the host's RNR retries go through (the window
# is well below the host's keep-alive and I/O timeouts, so no recovery).
#
# Governed, with device defaults set before nvmet creates its SRQs (at
# the first connect): every QP may hold NVME_FLOOD_LIMIT WQEs, charged
# until the same buffer is posted back (credit=buffer), and an RC QP over
# its limit is RNR-NAKed (policy_rc=rnr, the default): the flooder is
# slowed, never disconnected, and the host's I/O goes on with no timeout
# or reconnect.
# - credit=poll cannot work here: nvmet polls its CQ at once (ib_cq
#   workqueue), so each WQE is credited right after it was drawn while
#   the buffer stays held in the wait list; no limit is ever reached
#   (seen: the flooder took 637 of 2 x 256 WQEs, host stalled).
# - credit=repost charges a QP until WQEs come back to the SRQ, but it
#   credits the oldest outstanding draw of the whole SRQ, not the WQE
#   that came back: nvmet reposts the host's buffers promptly and never
#   the flooder's, so the host's reposts pay off the flooder's draws while
#   the host's own draws stay charged. With policy rnr the host's QPs
#   reach their limit and are refused in turn (seen: host QP "held 16
#   draws 17 credits 1"; I/O timeouts, reconnects, 116 of 128 blocks in
#   60 s); only policy disconnect protected the host then.
# - credit=buffer credits the QP that drew the buffer nvmet reposts (the
#   same ib_recv_wr, so the same wr_id and SGE), in any order.
# The limit is set well above what this host keeps in flight (a held WQE
# is a command nvmet has not answered yet). NVME_FLOOD_CREDIT and
# NVME_FLOOD_POLICY override the two for experiments; the assertions hold
# for any mode that protects the host.

NVME_FLOOD_SRQ=256	# nvmet_rdma srq_size (its minimum)
NVME_FLOOD_QUEUES=4	# flooder I/O queues: both SRQs of a 2-CPU guest
NVME_FLOOD_CMDS=384	# Flush commands per flooder queue: > NVME_FLOOD_SRQ
NVME_FLOOD_LIMIT=32	# governed: the device's per-QP limit
NVME_FLOOD_CREDIT=${NVME_FLOOD_CREDIT:-buffer}
NVME_FLOOD_POLICY=${NVME_FLOOD_POLICY:-rnr}
NVME_FLOOD_BLOCKS=128	# 4 KiB blocks the real host writes during the flood
NVME_FLOOD_WINDOW=5	# s: the blocks done in this window are reported
# Governed, every block must be written within this many seconds, with
# no recovery: one stalled command shows as an I/O timeout (20 s) first.
NVME_FLOOD_BOUND=60
NVME_FLOOD_PID=
NVME_FLOOD_OUT=
NVME_FLOOD_DIR=
NVME_FLOOD_WPID=
NVME_FLOOD_WRC=

nvme_counter() {
	cat "/sys/class/infiniband/$NVME_DEV/ports/1/hw_counters/$1"
}

# Every governed QP as the operator's tool shows it (netlink, with the
# peer and the rdma_cm id).
nvme_gov_status() {
	"$REPO/build/tools/srxctl" qp show "$NVME_DEV"
}

# The flooder's values from its output: nvme_flood_field WORD.
nvme_flood_field() {
	awk -v w="$1" '$1 == w { $1 = ""; print substr($0, 2) }' "$NVME_FLOOD_OUT" |
		tail -1
}

# The target's QPs of the flooder's I/O queues ("queue QID lqpn N rqpn N").
nvme_flood_qpns() {
	awk '$1 == "queue" { print $6 }' "$NVME_FLOOD_OUT"
}

# nvme_flood_start: run the flooder until its commands stop being
# accepted (it took what it can take); its stdin stays open on fd 8 until
# nvme_flood_stop. Background jobs started meanwhile must close fd 8.
nvme_flood_start() {
	local fifo=$NVME_FLOOD_DIR/in i
	NVME_FLOOD_OUT=$NVME_FLOOD_DIR/out
	mkfifo "$fifo" || { fail "mkfifo $fifo"; return 1; }
	timeout 200 "$BIN/nvme_flood" -a "$NVME_ADDR" -p "$NVME_PORT" \
		-n "$NVME_NQN" -q "$NVME_FLOOD_QUEUES" -c "$NVME_FLOOD_CMDS" \
		-s 2 -W 30 -t 180 <"$fifo" >"$NVME_FLOOD_OUT" 2>&1 &
	NVME_FLOOD_PID=$!
	exec 8>"$fifo"
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready' "$NVME_FLOOD_OUT" && break
		kill -0 "$NVME_FLOOD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^ready' "$NVME_FLOOD_OUT"; then
		fail "nvme_flood did not get going: $(cat "$NVME_FLOOD_OUT")"
		return 1
	fi
	note "flooder: $(grep -E '^(admin|queue)' "$NVME_FLOOD_OUT" | paste -sd';')"
}

# nvme_flood_stop: close the flooder's stdin; it reports and disconnects.
nvme_flood_stop() {
	local rc
	[ -n "$NVME_FLOOD_PID" ] || return 0
	exec 8>&-
	wait "$NVME_FLOOD_PID"
	rc=$?
	NVME_FLOOD_PID=
	[ $rc -eq 0 ] || fail "nvme_flood exited $rc: $(cat "$NVME_FLOOD_OUT")"
	return $rc
}

# No QP of the flooder's left on the SRQs (nvmet released its queues).
nvme_flood_gone() {
	local n st
	st=$(nvme_gov_status) || return 1
	for n in $(nvme_flood_qpns); do
		grep -q "^  qp $n " <<<"$st" && return 1
	done
	return 0
}

# Blocks of the host's writer done so far.
nvme_flood_written() {
	local n
	n=$(cat "$NVME_FLOOD_DIR/progress" 2>/dev/null)
	echo "${n:-0}"
}

# nvme_flood_writer: NVME_FLOOD_BLOCKS blocks of the pattern, one direct
# 4 KiB write each, 32 MiB into the namespace; counts them in progress.
nvme_flood_writer() {
	local i base=$((32 * 256))
	for ((i = 0; i < NVME_FLOOD_BLOCKS; i++)); do
		dd if="$NVME_FLOOD_DIR/pat" of="/dev/$NVME_BDEV" bs=4k skip=$i \
			seek=$((base + i)) count=1 oflag=direct conv=notrunc \
			status=none || exit 1
		echo $((i + 1)) >"$NVME_FLOOD_DIR/progress"
	done
}

# nvme_flood_wait_writer SECONDS: 0 once the writer exited (its status in
# NVME_FLOOD_WRC), 1 if it still runs after SECONDS.
nvme_flood_wait_writer() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		if ! kill -0 "$NVME_FLOOD_WPID" 2>/dev/null; then
			wait "$NVME_FLOOD_WPID"
			NVME_FLOOD_WRC=$?
			NVME_FLOOD_WPID=
			return 0
		fi
		sleep 0.1
	done
	return 1
}

nvme_flood_readback() {
	local base=$((32 * 256))
	expect_ok timeout 90 dd if="/dev/$NVME_BDEV" of="$NVME_FLOOD_DIR/back" \
		bs=4k skip=$base count=$NVME_FLOOD_BLOCKS iflag=direct status=none ||
		return 1
	if cmp -s "$NVME_FLOOD_DIR/pat" "$NVME_FLOOD_DIR/back"; then
		note "$NVME_FLOOD_BLOCKS blocks read back: identical"
	else
		fail "blocks written during the flood read back differently: $(cmp "$NVME_FLOOD_DIR/pat" "$NVME_FLOOD_DIR/back" 2>&1 | head -1)"
	fi
}

# nvme_flood_gov_check STATUS: governance refused the flooder's QPs and
# nobody else (the host's QPs, the flooder's admin queue).
nvme_flood_gov_check() {
	local qp limit held rnr disc flooders line hit=0
	flooders=" $(nvme_flood_qpns | paste -sd' ') "
	while read -r line; do
		[[ $line =~ ^qp\ ([0-9]+)\ limit\ ([0-9a-z]+)\ held\ ([0-9]+)\ .*\ rnr\ ([0-9]+)\ .*\ disconnects\ ([0-9]+) ]] ||
			continue
		qp=${BASH_REMATCH[1]} limit=${BASH_REMATCH[2]}
		held=${BASH_REMATCH[3]} rnr=${BASH_REMATCH[4]}
		disc=${BASH_REMATCH[5]}
		[ "$limit" = "$NVME_FLOOD_LIMIT" ] ||
			fail "QP $qp has limit $limit, not the device default $NVME_FLOOD_LIMIT: $line"
		# nvmet's QPs come from rdma_cm: the operator can name the
		# remote host and the connection.
		[[ $line =~ \ peer\ [0-9a-f.:]+\ dqpn\ [0-9]+\ cm_id\ [0-9]+$ ]] ||
			fail "QP $qp without its peer and rdma_cm id: $line"
		if [[ $flooders == *" $qp "* ]]; then
			hit=$((hit + 1))
			note "flooder's QP: $line"
			[ $((rnr + disc)) -gt 0 ] ||
				fail "the flooder's QP $qp was never refused: $line"
			[ "$NVME_FLOOD_POLICY" != rnr ] || [ "$held" -le "$NVME_FLOOD_LIMIT" ] ||
				fail "the flooder's QP $qp holds $held > $NVME_FLOOD_LIMIT: $line"
			[ "$NVME_FLOOD_POLICY" != rnr ] || [ "$disc" = 0 ] ||
				fail "policy rnr disconnected the flooder's QP $qp: $line"
		else
			[ "$rnr" = 0 ] && [ "$disc" = 0 ] ||
				fail "governance refused QP $qp, not the flooder's: $line"
		fi
	done <<<"$1"
	[ "$hit" = "$NVME_FLOOD_QUEUES" ] ||
		fail "$hit of the flooder's $NVME_FLOOD_QUEUES QPs ($flooders) in srxctl qp show:
$1"
}

# nvme_flood_phase GOVERNED: flood, write and read back meanwhile.
nvme_flood_phase() {
	local governed=$1 rnr0 disc0 t0 done_win acc total st n
	local nsrq=$((NVME_FLOOD_SRQ * $(nproc)))

	head -c $((NVME_FLOOD_BLOCKS * 4096)) /dev/urandom >"$NVME_FLOOD_DIR/pat"
	# For comparison: the same writes before the flood.
	t0=$SECONDS
	nvme_flood_writer || { fail "4 KiB writes failed before the flood"; return 1; }
	note "host: $NVME_FLOOD_BLOCKS 4 KiB writes in $((SECONDS - t0)) s before the flood"
	rm -f "$NVME_FLOOD_DIR/progress"
	# A new pattern: what is read back must come from the flood phase.
	head -c $((NVME_FLOOD_BLOCKS * 4096)) /dev/urandom >"$NVME_FLOOD_DIR/pat"
	rnr0=$(nvme_counter gov_over_limit_rnr)
	disc0=$(nvme_counter gov_disconnects)
	gov_sampler_start "$NVME_DEV" "$NVME_FLOOD_DIR/samples"
	nvme_flood_start || return 1
	acc=$(nvme_flood_field ready)
	acc=${acc#accepted }
	total=${acc##* total }
	note "flooder's commands accepted (SRQ WQEs taken) per queue: ${acc% total *}, total $total; SRQs: $(nproc) x $NVME_FLOOD_SRQ WQEs"

	t0=$SECONDS
	nvme_flood_writer 8>&- &
	NVME_FLOOD_WPID=$!
	sleep "$NVME_FLOOD_WINDOW"
	done_win=$(nvme_flood_written)
	note "host: $done_win of $NVME_FLOOD_BLOCKS 4 KiB writes done in the first $NVME_FLOOD_WINDOW s of the flood"

	if [ "$governed" = 1 ]; then
		if nvme_flood_wait_writer "$NVME_FLOOD_BOUND"; then
			[ "$NVME_FLOOD_WRC" = 0 ] || fail "a 4 KiB write failed during the flood"
			note "host: all $NVME_FLOOD_BLOCKS writes done in $((SECONDS - t0)) s with the flooder connected"
			nvme_flood_readback
		else
			fail "governed: the host's writes stalled behind the flooder: $(nvme_flood_written) of $NVME_FLOOD_BLOCKS in $NVME_FLOOD_BOUND s"
		fi
		st=$(nvme_gov_status)
		nvme_flood_gov_check "$st"
		n=$(($(nvme_counter gov_over_limit_rnr) - rnr0))
		note "gov_over_limit_rnr +$n, gov_disconnects +$(($(nvme_counter gov_disconnects) - disc0))"
		[ $((n + $(nvme_counter gov_disconnects) - disc0)) -gt 0 ] ||
			fail "governed: nothing refused over a limit"
		[ -z "$T_FAILED" ] || [ "$T_FAILED" = 0 ] || note "srxctl qp show:
$(sed 's/^/    /' <<<"$st")"
		nvme_flood_stop
	else
		# The flooder took (nearly) every WQE, the host got none.
		[ "$total" -ge $((nsrq - 64)) ] ||
			fail "ungoverned: the flood took only $total of $nsrq SRQ WQEs"
		[ "$done_win" -eq 0 ] ||
			fail "ungoverned: the host still wrote $done_win blocks while the flooder held the SRQs"
		nvme_flood_stop
		if nvme_flood_wait_writer "$NVME_FLOOD_BOUND"; then
			[ "$NVME_FLOOD_WRC" = 0 ] || fail "a 4 KiB write failed after the flood"
			note "host: all $NVME_FLOOD_BLOCKS writes done $((SECONDS - t0)) s after the flood started, once the flooder left"
			nvme_flood_readback
		else
			fail "the host's writes did not resume after the flooder left: $(nvme_flood_written) of $NVME_FLOOD_BLOCKS"
		fi
	fi
	note "flooder at the end: accepted $(nvme_flood_field accepted), $(nvme_flood_field answers) answers taken, $(nvme_flood_field disconnected) queues dropped"
	gov_sampler_stop "$NVME_FLOOD_DIR/samples" "the flood"
	WAIT_TRIES=300 wait_for nvme_flood_gone
}

nvme_flood_cleanup() {
	trap - TERM INT
	gov_sampler_kill
	if [ -n "$NVME_FLOOD_PID" ]; then
		exec 8>&- 2>/dev/null
		kill "$NVME_FLOOD_PID" 2>/dev/null
		wait "$NVME_FLOOD_PID" 2>/dev/null
		NVME_FLOOD_PID=
	fi
	# Let nvmet finish with the flooder's queues before the teardown.
	[ -n "$NVME_FLOOD_OUT" ] && [ -f "$NVME_FLOOD_OUT" ] &&
		[ -d "/sys/class/infiniband/$NVME_DEV/gov" ] &&
		WAIT_TRIES=300 wait_for nvme_flood_gone
	# A writer stuck in direct I/O ends with the disconnect.
	nvme_cleanup
	if [ -n "$NVME_FLOOD_WPID" ]; then
		kill "$NVME_FLOOD_WPID" 2>/dev/null
		wait "$NVME_FLOOD_WPID" 2>/dev/null
		NVME_FLOOD_WPID=
	fi
	[ -n "$NVME_FLOOD_DIR" ] && rm -rf "$NVME_FLOOD_DIR"
	NVME_FLOOD_DIR=
	NVME_FLOOD_OUT=
}

# nvme_flood_run GOVERNED: the whole test.
nvme_flood_run() {
	local lines gov
	NVME_STATE=
	if [ "$NVME_PROV" != srx ]; then
		note "SRQ governance is srx's: nothing to test with $NVME_PROV"
		return 0
	fi
	lines=$(dmesg | wc -l)
	NVME_FLOOD_DIR=$(mktemp -d)
	trap 'fail "interrupted"; nvme_flood_cleanup; exit 1' TERM INT
	nvme_provider_up || { nvme_flood_cleanup; return 1; }
	gov=/sys/class/infiniband/$NVME_DEV/gov
	if [ "$1" = 1 ]; then
		# Before nvmet_rdma creates its SRQs and QPs (first connect).
		{ echo "$NVME_FLOOD_CREDIT" >"$gov/credit" &&
			echo "$NVME_FLOOD_POLICY" >"$gov/policy_rc" &&
			echo "$NVME_FLOOD_LIMIT" >"$gov/qp_limit"; } ||
			fail "cannot set the governance defaults"
		note "governed: credit $NVME_FLOOD_CREDIT, policy_rc $NVME_FLOOD_POLICY, qp_limit $NVME_FLOOD_LIMIT"
	fi
	nvme_target_up 1 &&
		{ echo "$NVME_FLOOD_SRQ" >/sys/module/nvmet_rdma/parameters/srq_size ||
			{ fail "nvmet_rdma srq_size $NVME_FLOOD_SRQ"; false; }; } &&
		nvme_host_connect &&
		nvme_srq_check 1 &&
		nvme_flood_phase "$1"
	nvme_recovery_check "$lines"
	nvme_flood_cleanup
}

test_nvme_flood_governed() {
	nvme_flood_run 1
}

test_nvme_flood_ungoverned() {
	nvme_flood_run 0
}
