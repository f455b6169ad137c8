# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The held invariants over gov_status snapshots, each after a line
# "sample <ms>" (tests/lib.sh: gov_sampler): at no sample does a QP
# show more held than its SRQ's size, or than its limit (static limits,
# set before the traffic), nor the QPs of an SRQ together more than its
# size. Prints the first violations (at most 3) and, last, "samples <n>".
#
#   awk -f tests/status_check.awk SNAPSHOTS
function flush() {
	if (srq != "" && sum > size && bad++ < 3)
		print "t=" t " srq " srq " sum " sum " of " size
	srq = ""
	sum = 0
}
$1 == "sample" { flush(); t = $2; n++; next }
$1 == "srq" { flush(); srq = $2; size = $4; next }
$1 == "qp" && $3 == "limit" && $5 == "held" && srq != "" {
	sum += $6
	if ($6 > size && bad++ < 3)
		print "t=" t " srq " srq " qp " $2 " held " $6 " of " size
	if ($4 != "none" && $6 > $4 && bad++ < 3)
		print "t=" t " srq " srq " qp " $2 " held " $6 " limit " $4
}
END { flush(); print "samples " n + 0 }
