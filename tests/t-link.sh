# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# srx devices over "rdma link": creation, what stock tools see, port and
# GID tracking of the netdev, bad input, and every removal path.

test_modinfo() {
	local info
	info=$(modinfo "$SRX_KO")
	expect_match '^alias: +rdma-link-srx$' "$info" modinfo
	expect_match '^license: +Dual BSD/GPL$' "$info" modinfo
	expect_match '^depends:.*ib_core' "$info" modinfo
}

# The module the tests load was built where this kernel says: in the
# debug kernel's tree (scripts/kbuild-intree: modinfo's intree, no "O"
# taint), out of tree (M=) for Debian's kernel.
test_build_path() {
	local taint
	taint=$(cat /sys/module/srx/taint)
	if [ "$SRX_KERNEL" = debug ]; then
		expect_eq "$(modinfo -F intree "$SRX_KO")" Y "modinfo intree" &&
			expect_no_match O "$taint" "srx's taint flags"
	else
		expect_match O "$taint" "srx's taint flags (out of tree)"
	fi
}

test_add_visible_to_rdma_tool() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	expect_match '^link srx0/1 state ACTIVE physical_state LINK_UP netdev eth0' \
		"$(link_line srx0)" "rdma link show"
	expect_match '^[0-9]+: srx0: node_type ca ' "$(rdma dev show srx0)" "rdma dev"
	expect_match 'srx0' "$(ls /sys/class/infiniband)" "sysfs"
	expect_match '^uverbs' "$(ls /sys/class/infiniband_verbs)" "uverbs sysfs"
}

test_ibv_devinfo() {
	local out guid
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	out=$(ibv_devinfo -v -d srx0 2>&1)
	expect_match 'hca_id:[[:space:]]+srx0' "$out" ibv_devinfo
	expect_match 'transport:[[:space:]]+InfiniBand' "$out" ibv_devinfo
	expect_match 'state:[[:space:]]+PORT_ACTIVE \(4\)' "$out" ibv_devinfo
	expect_match 'max_mtu:[[:space:]]+4096 \(5\)' "$out" ibv_devinfo
	expect_match 'active_mtu:[[:space:]]+1024 \(3\)' "$out" ibv_devinfo
	expect_match 'link_layer:[[:space:]]+Ethernet' "$out" ibv_devinfo
	expect_match "fw_ver:[[:space:]]+$(modinfo -F version "$SRX_KO")\$" "$out" ibv_devinfo
	expect_match 'max_pd:[[:space:]]+65536' "$out" ibv_devinfo
	expect_match 'max_pkeys:[[:space:]]+1$' "$out" ibv_devinfo
	guid=$(guid_of_mac "$(mac_of eth0)")
	expect_match "node_guid:[[:space:]]+$guid" "$out" "node_guid"
	expect_match "sys_image_guid:[[:space:]]+$guid" "$out" "sys_image_guid"
	wait_for gid_has srx0 '::ffff:10\.0\.2\.15, RoCE v2'
	out=$(gids_of srx0)
	expect_match '::ffff:10\.0\.2\.15, RoCE v2' "$out" "IPv4 GID"
	expect_match 'fe80:.*, RoCE v2' "$out" "link-local GID"
	expect_no_match 'RoCE v1' "$out" "GID types"
}

gid_has() {
	gids_of "$1" | grep -Eq -- "$2"
}

test_gids_follow_addresses() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	expect_ok ip addr add 10.9.9.9/24 dev eth0
	expect_ok ip -6 addr add fd00::9/64 dev eth0 nodad
	wait_for gid_has srx0 '::ffff:10\.9\.9\.9, RoCE v2'
	wait_for gid_has srx0 'fd00::9, RoCE v2'
	expect_ok ip addr del 10.9.9.9/24 dev eth0
	expect_ok ip -6 addr del fd00::9/64 dev eth0
	wait_for bash -c "! ibv_devinfo -v -d srx0 | grep -q '10\.9\.9\.9'"
	wait_for bash -c "! ibv_devinfo -v -d srx0 | grep -q 'fd00::9'"
}

test_port_follows_carrier_with_events() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	start_watch srx0 2 || return
	expect_ok ip link set eth0 down
	expect_match 'state DOWN' "$(link_line srx0)" "rdma link after down"
	expect_match 'PORT_DOWN' "$(ibv_devinfo -d srx0)" "ibv_devinfo after down"
	expect_ok ip link set eth0 up
	wait_watch
	expect_eq "$WATCH_RESULT" "event PORT_ERR port 1
event PORT_ACTIVE port 1" "async events"
	expect_match 'state ACTIVE' "$(link_line srx0)" "rdma link after up"
}

test_mtu_follows_netdev() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	expect_ok ip link set eth0 mtu 1000
	expect_match 'active_mtu:[[:space:]]+512 \(2\)' "$(ibv_devinfo -d srx0)" "mtu 1000"
	expect_ok ip link set eth0 mtu 1500
	expect_match 'active_mtu:[[:space:]]+1024 \(3\)' "$(ibv_devinfo -d srx0)" "mtu 1500"
}

test_delete() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	expect_ok rdma link delete srx0
	expect_eq "$(rdma link show)" "" "rdma link after delete"
	expect_eq "$(ls /sys/class/infiniband)" "" "sysfs after delete"
	expect_err 'Wrong device name' rdma link delete srx0
}

test_bad_unknown_netdev() {
	expect_err 'No such device' rdma link add srx0 type srx netdev nosuch0
	expect_eq "$(rdma link show)" "" "rdma link"
}

test_bad_netdev_already_bound() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	expect_err 'File exists' rdma link add srx1 type srx netdev eth0
	expect_match 'eth0 is already bound' "$(dmesg | tail -n 5)" "kernel log"
	expect_eq "$(rdma link show | wc -l)" 1 "links"
}

test_bad_duplicate_name() {
	make_veth vsa0 vsb0 || { fail "veth"; return; }
	expect_ok rdma link add srx0 type srx netdev eth0
	expect_err 'File exists' rdma link add srx0 type srx netdev vsa0
	expect_match 'netdev eth0' "$(link_line srx0)" "first device intact"
	ip link del vsa0
}

test_bad_loopback_refused() {
	expect_err 'Operation not supported' rdma link add srx0 type srx netdev lo
	expect_match 'lo: not an Ethernet device' "$(dmesg | tail -n 5)" "kernel log"
	expect_eq "$(rdma link show)" "" "rdma link"
}

test_bad_names() {
	expect_err 'Invalid argument' rdma link add 'a/b' type srx netdev eth0
	expect_err 'Invalid argument' rdma link add 'srx%d' type srx netdev eth0
	expect_err 'Invalid argument' rdma link add 'a b' type srx netdev eth0
	expect_eq "$(rdma link show)" "" "rdma link"
}

test_add_delete_cycles() {
	local i n=20
	# The debug kernel looks for leaks and lock bugs; fewer rounds do.
	[ "${SRX_KERNEL:-}" = debug ] && n=5
	for ((i = 0; i < n; i++)); do
		expect_ok rdma link add srx0 type srx netdev eth0 || return
		expect_ok ibv_devinfo -d srx0 || return
		expect_ok rdma link delete srx0 || return
	done
	expect_eq "$(rdma link show)" "" "rdma link"
	expect_eq "$(rdma res show | grep -c srx)" 0 "restrack"
}

test_two_devices() {
	make_veth vsa0 vsb0 || { fail "veth"; return; }
	expect_ok rdma link add srx0 type srx netdev eth0
	expect_ok rdma link add srx1 type srx netdev vsa0
	expect_match 'state ACTIVE.*netdev vsa0' "$(link_line srx1)" "srx1"
	expect_eq "$(ibv_devices | grep -c srx)" 2 "ibv_devices"
	ip link del vsa0
	wait_for bash -c "! rdma link show | grep -q srx1"
	expect_match 'netdev eth0' "$(link_line srx0)" "srx0 survives"
}

test_restrack_with_open_context() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	start_watch srx0 || return
	expect_match 'dev srx0 .*comm srx_evwatch' "$(rdma res show pd)" "rdma res show pd"
	expect_ok rdma link delete srx0
	wait_watch
	expect_eq "$WATCH_RESULT" "event DEVICE_FATAL port 0" "event on delete"
	expect_eq "$(rdma res show | grep -c srx0)" 0 "restrack after"
}

test_netdev_unregister_removes_device() {
	make_veth vsa0 vsb0 || { fail "veth"; return; }
	expect_ok rdma link add srx1 type srx netdev vsa0 || return
	start_watch srx1 || return
	ip link del vsa0
	wait_watch
	expect_eq "$WATCH_RESULT" "event DEVICE_FATAL port 0" "event on unregister"
	wait_for bash -c "! rdma link show | grep -q srx1"
}

test_rmmod_with_devices_and_context() {
	make_veth vsa0 vsb0 || { fail "veth"; return; }
	expect_ok rdma link add srx0 type srx netdev eth0
	expect_ok rdma link add srx1 type srx netdev vsa0
	start_watch srx0 || return
	expect_ok rmmod srx
	wait_watch
	expect_eq "$WATCH_RESULT" "event DEVICE_FATAL port 0" "event on rmmod"
	expect_eq "$(rdma link show)" "" "rdma link after rmmod"
	expect_eq "$(ls /sys/class/infiniband)" "" "sysfs after rmmod"
	ip link del vsa0
	expect_ok insmod "$SRX_KO"
	expect_ok rdma link add srx0 type srx netdev eth0
}

test_rxe_conflict_same_namespace() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	# rdma_rxe binds UDP 4791 in init_net when it loads: it must fail
	# cleanly (rxe's own errno) and srx0 must keep working.
	expect_fail modprobe rdma_rxe
	expect_no_match 'rdma_rxe' "$(lsmod)" "lsmod"
	expect_match 'PORT_ACTIVE' "$(ibv_devinfo -d srx0)" "srx0 after rxe failed"
	expect_ok rdma link delete srx0
	expect_ok modprobe rdma_rxe || return
	expect_err 'Address already in use' rdma link add srx0 type srx netdev eth0
	expect_match 'srx: UDP port 4791 is already bound' "$(dmesg | tail -n 5)" "kernel log"
	expect_ok rdma link add rxe0 type rxe netdev eth0
	expect_match 'PORT_ACTIVE' "$(ibv_devinfo -d rxe0)" "rxe0"
	expect_ok rdma link delete rxe0
	expect_ok rmmod rdma_rxe
	expect_ok rdma link add srx0 type srx netdev eth0
}

test_netns_device_and_rxe_exit() {
	local out
	ip netns add srxns || { fail "netns"; return; }
	make_veth vsa0 vsb0 || { fail "veth"; return; }
	ip link set vsb0 netns srxns
	ip -n srxns link set vsb0 up
	ip -n srxns addr add 192.168.77.2/24 dev vsb0
	# srx owns 4791 inside srxns, rdma_rxe owns it in init_net.
	expect_ok ip netns exec srxns rdma link add srx1 type srx netdev vsb0
	expect_ok modprobe rdma_rxe
	expect_ok rdma link add rxe0 type rxe netdev eth0
	out=$(rdma link show)
	expect_match 'srx1/1 state ACTIVE' "$out" "srx1 seen from init_net"
	expect_match 'srx1/1 .*netdev vsb0' "$(ip netns exec srxns rdma link show)" \
		"srx1 seen from srxns"
	expect_match 'rxe0/1 .*netdev eth0' "$out" "rxe0"
	# rdma_rxe's exit unregisters every RDMA_DRIVER_RXE device, srx1 too.
	expect_ok rmmod rdma_rxe
	expect_eq "$(rdma link show)" "" "links after rdma_rxe exit"
	expect_ok ip netns exec srxns rdma link add srx1 type srx netdev vsb0
	ip netns del srxns
	wait_for bash -c "! rdma link show | grep -q srx1"
	ip link del vsa0 2>/dev/null
	true
}
