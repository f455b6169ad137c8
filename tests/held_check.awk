# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# The held invariants over a gov_flood -S series (tests/gov_flood.c:
# "t_ms,qpn,role,delivered,per_s,held,holds"): at no sample does a QP
# show more held than the SRQ's n buffers, nor more than it really holds
# then (column holds, where known), nor the QPs together more than n.
# Prints the first violations (at most 3); nothing when there is none.
#
#   awk -F, -v n=SIZE -f tests/held_check.awk SERIES.csv
NR > 1 && $6 >= 0 {
	s[$1] += $6
	if ($6 > n && bad++ < 3)
		print "t=" $1 " qp " $2 " held " $6
	if ($7 >= 0 && $6 > $7 && bad++ < 3)
		print "t=" $1 " qp " $2 " held " $6 " holds at most " $7
}
END {
	for (t in s)
		if (s[t] > n && bad++ < 3)
			print "t=" t " sum " s[t]
}
