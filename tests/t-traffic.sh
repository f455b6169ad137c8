# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Teardown under traffic: the device, the module, the netdev and the
# processes go away while RC traffic flows over srx0 (loopback on eth0).
# Each test asserts that the teardown itself succeeds and leaves nothing
# behind; tests/guest-run fails it on any kernel splat.

TR_LOG=/tmp/traffic

# Packets srx0 sent so far (0 once the device is gone).
tr_sent() {
	cat "/sys/class/infiniband/$1/ports/1/hw_counters/sent_pkts" 2>/dev/null ||
		echo 0
}

tr_flowing() {
	[ "$(tr_sent "$1")" -gt 2000 ]
}

# traffic_start DEV [TOOL]: a perftest server and client on DEV (IPv4
# GID), running for 30 s unless stopped; returns once packets flow.
traffic_start() {
	local dev=$1 tool=${2:-ib_write_bw}
	mkdir -p $TR_LOG
	timeout 60 "$tool" -d "$dev" -x 1 -D 30 -q 2 >$TR_LOG/server 2>&1 &
	TR_SERVER=$!
	(
		for _ in $(seq 40); do
			sleep 0.25
			timeout 60 "$tool" -d "$dev" -x 1 -D 30 -q 2 127.0.0.1 \
				>$TR_LOG/client 2>&1
			grep -q "Couldn't connect\|Unable to" $TR_LOG/client || break
		done
	) &
	TR_CLIENT=$!
	wait_for tr_flowing "$dev"
}

# Both perftest processes must be gone; they may have to be killed, as a
# process polling a removed device's CQ sees no further completions.
traffic_stop() {
	{
		kill -9 "$TR_SERVER" "$TR_CLIENT"
		pkill -9 -f 'ib_(write|read|send)_bw'
		wait "$TR_SERVER" "$TR_CLIENT"
	} 2>/dev/null
	wait_for bash -c "! pgrep -f 'ib_(write|read|send)_bw'"
}

test_traffic_link_delete() {
	srx0_add || return
	traffic_start srx0 || { traffic_stop; return; }
	expect_ok rdma link delete srx0
	traffic_stop
	expect_eq "$(rdma link show)" "" "links after delete"
	expect_eq "$(rdma res show | grep -c srx0)" 0 "restrack after delete"
}

test_traffic_rmmod() {
	srx0_add || return
	traffic_start srx0 ib_read_bw || { traffic_stop; return; }
	expect_ok rmmod srx
	traffic_stop
	expect_eq "$(ls /sys/class/infiniband)" "" "sysfs after rmmod"
	expect_ok insmod "$SRX_KO"
}

test_traffic_netdev_down_up() {
	local before
	srx0_add || return
	traffic_start srx0 || { traffic_stop; return; }
	expect_ok ip link set eth0 down
	before=$(tr_sent srx0)
	# With the link down nothing is delivered: the RC QPs retry and the
	# failures are counted, never silently lost.
	wait_for bash -c "[ \$(cat /sys/class/infiniband/srx0/ports/1/hw_counters/retry_timeouts) -gt 0 ]"
	expect_ok ip link set eth0 up
	traffic_stop
	wait_for port_active srx0
	[ "$(tr_sent srx0)" -ge "$before" ] || fail "sent_pkts went backwards"
	expect_ok rdma link delete srx0
}

test_traffic_kill_processes() {
	local i
	srx0_add || return
	for i in 1 2 3; do
		traffic_start srx0 ib_send_bw || break
		traffic_stop
	done
	wait_for bash -c "[ \$(rdma res show qp | grep -c 'ib_send_bw') -eq 0 ]"
	expect_eq "$(rdma res show mr | grep -c srx0)" 0 "MRs left"
	expect_ok rdma link delete srx0
}
