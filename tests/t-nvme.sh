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
# hides a lost message or completion from the compare.
nvme_recovery_check() {
	local bad
	bad=$(dmesg | tail -n +$(($1 + 1)) |
		grep -E 'nvme nvme[0-9]+: .*(timeout|error recovery|Reconnecting|reconnect)')
	[ -z "$bad" ] || fail "NVMe host needed recovery during the test:
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
