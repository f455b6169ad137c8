# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# A kernel ULP (tests/kmod/srx_ulp_test.ko, an ib_client) drives srx's
# verbs from the kernel: PD, CQ, SRQ, RC/UC/UD QPs through the state
# machine, flushes, ib_drain_qp(), fast-registration MRs, AHs created
# sleepable and atomic. It counts its own checks.

ULP_KO=$SRX_ULP_KO

res_count() {
	rdma -j res show | python3 -c 'import json,sys
for d in json.load(sys.stdin):
    if d["ifname"] == sys.argv[1]: print(d[sys.argv[2]])' "$1" "$2"
}

test_kernel_ulp() {
	local before p f
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	before="$(res_count srx0 pd) $(res_count srx0 cq) $(res_count srx0 qp) $(res_count srx0 mr) $(res_count srx0 srq)"
	expect_ok insmod "$ULP_KO" || return
	p=$(cat /sys/module/srx_ulp_test/parameters/passed)
	f=$(cat /sys/module/srx_ulp_test/parameters/failed)
	if [ "$f" != 0 ] || [ "$p" -lt 30 ]; then
		dmesg | grep 'srx_ulp_test:'
		fail "kernel ULP checks: $p passed, $f failed"
	fi
	note "kernel ULP: $p checks passed"
	expect_ok rmmod srx_ulp_test
	expect_eq "$(res_count srx0 pd) $(res_count srx0 cq) $(res_count srx0 qp) $(res_count srx0 mr) $(res_count srx0 srq)" \
		"$before" "restrack pd/cq/qp/mr/srq after the ULP left"
}

test_kernel_ulp_device_removed_under_it() {
	expect_ok rdma link add srx0 type srx netdev eth0 || return
	expect_ok insmod "$ULP_KO" || return
	# The client's remove callback runs on delete while it is loaded.
	expect_ok rdma link delete srx0
	expect_ok rmmod srx_ulp_test
}
