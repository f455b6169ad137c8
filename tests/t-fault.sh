# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Fault injection (the debug kernel's failslab and fail_page_alloc): the
# allocations of one process, build/tests/fault_ops, fail over the verbs'
# create, modify, post and destroy paths and its contexts' cleanup. Each
# failure must come back as a clean errno (fault_ops checks that); after
# each run the device must still work, restrack must hold nothing of the
# process and kmemleak must find no leak. Debian's stock kernel has no
# fault injection: there the tests only check that fault_ops passes.
#
# The failures are limited to fault_ops (task-filter, make-it-fail, which
# fault_ops sets for itself once its libraries are loaded, or fail-nth)
# and, in most runs, to allocations with srx's code on the stack
# (require-start/end over srx's text); the "core" runs fail the RDMA
# core's and every other allocation of the process too. Allocations
# under vmalloc are never failed (reject-start/end): its failure path
# prints a stack trace (warn_alloc) that would read as a kernel splat.
#
# SRX_FAULT_SECONDS: the time one random run may take (default 4 s);
# SRX_FAULT_NTH_SECONDS: the systematic run's (default 10 s);
# SRX_FAULT_BUDGET: a test's time (default 240 s; runs that would not
# fit are skipped with a note); SRX_FAULT_EVERY=1 adds the runs failing
# every Nth allocation. make soak sets them all longer; make check runs
# a random run of srx's allocations and one of everything the process
# allocates per kind, and a short systematic one.

FI_DBG=/sys/kernel/debug
KMEMLEAK=$FI_DBG/kmemleak
FI_TIMES=1000000	# "unlimited", and what is left tells how many failed
for fn in failslab page_alloc; do
	declare "TEST_TIMEOUT_test_fault_$fn=$(( ${SRX_FAULT_BUDGET:-240} + 60 ))"
done
unset fn
FI_INJECTED=0

fi_available() {
	[ -d $FI_DBG/failslab ] && [ -d $FI_DBG/fail_page_alloc ] &&
		[ -e /proc/self/make-it-fail ]
}

fi_set() {
	echo "$2" >"$FI_DBG/$1/$3" 2>/dev/null ||
		{ fail "cannot set $1/$3 to $2"; return 1; }
}

# fi_ranges: "SRX_START SRX_END VMALLOC_START VMALLOC_END" in decimal:
# srx's text (from its .text section to the symbol after its last
# function) and __vmalloc_node_range's code, which every vmalloc and
# kvmalloc fallback runs through.
fi_ranges() {
	python3 - <<'PY'
syms = []
for line in open('/proc/kallsyms'):
    f = line.split()
    syms.append((int(f[0], 16), f[1], f[2], f[3] if len(f) > 3 else ''))
syms.sort()
addrs = [s[0] for s in syms]
text = int(open('/sys/module/srx/sections/.text').read(), 16)
mine = [s[0] for s in syms if s[3] == '[srx]' and s[1] in 'tT']
hi = max(mine)
after = [a for a in addrs if a > hi]
end = min(after[0] if after else hi + 65536, hi + 65536)
vm = [s[0] for s in syms if s[2] in ('__vmalloc_node_range_noprof',
                                     '__vmalloc_node_range') and not s[3]]
vs = vm[0] if vm else 0
ve = min(a for a in addrs if a > vs) if vs else 0
print(min(text, min(mine)), end, vs, ve)
PY
}

# fi_reset ATTR: the kernel's defaults (and no failures at all).
fi_reset() {
	local a=$1 f
	for f in probability:0 interval:1 times:1 space:0 verbose:2 \
		 task-filter:N ignore-gfp-wait:Y require-start:0 \
		 require-end:18446744073709551615 reject-start:0 reject-end:0 \
		 stacktrace-depth:32; do
		[ -e "$FI_DBG/$a/${f%%:*}" ] && echo "${f#*:}" >"$FI_DBG/$a/${f%%:*}"
	done
	if [ "$a" = fail_page_alloc ]; then
		echo Y >"$FI_DBG/$a/ignore-gfp-highmem"
		echo 1 >"$FI_DBG/$a/min-order"
	fi
	true
}

# fi_inert ATTR: fail nothing, not even for fail-nth (which does not
# look at probability, only at the filters).
fi_inert() {
	fi_reset "$1"
	echo 0 >"$FI_DBG/$1/require-end"
}

# fi_config ATTR FILTER PROBABILITY INTERVAL: failures for processes
# with make-it-fail only, silent (verbose 2 prints a stack trace per
# failure: a splat to guest-run), sleeping allocations too; FILTER srx:
# only with srx's code on the stack, core: any of the process's.
fi_config() {
	local a=$1 r
	read -r -a r <<<"$FI_RANGES" || return 1
	[ "${#r[@]}" -eq 4 ] && [ "${r[2]}" != 0 ] ||
		{ fail "srx or vmalloc text not found: ${r[*]}"; return 1; }
	fi_set "$a" 0 probability &&
		fi_set "$a" 0 verbose &&
		fi_set "$a" Y task-filter &&
		fi_set "$a" N ignore-gfp-wait &&
		fi_set "$a" 0 space &&
		fi_set "$a" "$4" interval &&
		fi_set "$a" $FI_TIMES times &&
		fi_set "$a" 32 stacktrace-depth &&
		fi_set "$a" "${r[2]}" reject-start &&
		fi_set "$a" "${r[3]}" reject-end || return 1
	if [ "$2" = srx ]; then
		fi_set "$a" "${r[0]}" require-start &&
			fi_set "$a" "${r[1]}" require-end || return 1
	else
		fi_set "$a" 0 require-start &&
			fi_set "$a" 18446744073709551615 require-end || return 1
	fi
	if [ "$a" = fail_page_alloc ]; then
		# Order 0 too; user pages (and vmalloc's, highmem) never.
		fi_set "$a" 0 min-order && fi_set "$a" Y ignore-gfp-highmem ||
			return 1
	fi
	fi_set "$a" "$3" probability
}

kml_on() {
	[ -w $KMEMLEAK ] && echo scan >$KMEMLEAK 2>/dev/null
}

# Forget what kmemleak knows of so far: only new leaks count.
kml_clear() {
	kml_on || return 0
	echo clear >$KMEMLEAK
}

# kml_check WHAT: scan; any unreferenced object with srx or the RDMA
# core in its backtrace fails the test (the objects vm-run would fail
# the whole run for); others are only counted. Objects younger than 5 s
# are not reported yet: they turn up at the next check.
kml_check() {
	local out leaks n
	kml_on || return 0
	out=$(cat $KMEMLEAK)
	echo clear >$KMEMLEAK
	[ -z "$out" ] && return 0
	leaks=$(awk '
		function flush() { if (rec != "" && hit) printf "%s", rec; rec = ""; hit = 0 }
		/^unreferenced object/ { flush() }
		{ rec = rec $0 "\n" }
		/\[(srx|ib_[a-z_]+|rdma_[a-z_]+|iw_cm)\]/ { hit = 1 }
		/[] ](srx|ib_|rdma_|rxe_)[A-Za-z0-9_.]*\+0x/ { hit = 1 }
		END { flush() }' <<<"$out")
	n=$(grep -c '^unreferenced object' <<<"$out")
	if [ -n "$leaks" ]; then
		fail "kmemleak after $1: leaks involving srx/RDMA:"
		head -n 80 <<<"$leaks"
	else
		note "kmemleak after $1: $n unreferenced objects, none of srx/RDMA"
	fi
}

# fo_plain: a fault_ops pass without faults: every step succeeds and
# every message arrives intact.
fo_plain() {
	local out
	out=$(timeout 120 "$BIN/fault_ops" -d srx0 -n 1 2>&1) ||
		{ fail "fault_ops without faults after $1: $out"; return 1; }
}

# srx0's line of "rdma res show": object counts.
res_summary() {
	rdma res show 2>/dev/null | grep ' srx0: '
}

# Back to what the device held before the test (the core's own objects).
res_is_base() {
	[ "$(res_summary)" = "$RES_BASE" ]
}

# after_run WHAT: the device works, restrack is back to what it was (no
# object of fault_ops left). kmemleak is scanned once, in fi_end (a scan
# takes seconds on the debug kernel): a leak of any run is still
# unreferenced then.
after_run() {
	fo_plain "$1"
	wait_for res_is_base ||
		fail "restrack after $1: '$(res_summary)', expected '$RES_BASE'"
}

# fo_report LABEL RC OUT: what fault_ops said; it must have exited 0.
fo_report() {
	local left n
	left=$(cat "$FI_DBG/$FI_ATTR/times")
	n=$((FI_TIMES - left))
	FI_INJECTED=$((FI_INJECTED + n))
	note "$1: $n failures injected; $(tail -n 1 <<<"$3")"
	if [ "$2" -ne 0 ]; then
		fail "$1: fault_ops exited $2 (each different 'not ok', counted):"
		grep '^not ok' <<<"$3" | sed 's/pass [0-9]*: //' | sort |
			uniq -c | sort -rn | head -n 20
		grep -E -A12 'watchdog|crashed' <<<"$3" | head -n 30
	fi
}

# fi_run LABEL FILTER PROBABILITY INTERVAL: fault_ops for
# SRX_FAULT_SECONDS with make-it-fail, then the checks.
fi_run() {
	local out rc t0=$SECONDS t=$SECONDS
	fi_time "$1" $((FI_SECONDS + 50)) || return 0
	fi_config "$FI_ATTR" "$2" "$3" "$4" || return 1
	out=$(timeout $((FI_SECONDS + 120)) "$BIN/fault_ops" -d srx0 -f \
		-n 1000 -t "$FI_SECONDS" 2>&1)
	rc=$?
	echo 0 >"$FI_DBG/$FI_ATTR/probability"
	fo_report "$1" $rc "$out"
	t=$((SECONDS - t))
	after_run "$1"
	note "$1: $t s, the checks after it $((SECONDS - t0 - t)) s"
}

# fi_nth LABEL: systematic, for SRX_FAULT_NTH_SECONDS (default 10):
# count the fault sites (allocations with srx on the stack) one pass
# reaches, then fail one per pass (fail-nth), every STEPth from a random
# first one, STEP such that the passes cover the whole pass in time.
fi_nth() {
	local out rc sites secs passes step first t=$SECONDS
	local budget=${SRX_FAULT_NTH_SECONDS:-10}
	# What is left of the test's time, less the checks and the end.
	[ $((FI_BUDGET - SECONDS - 90)) -lt "$budget" ] &&
		budget=$((FI_BUDGET - SECONDS - 90))
	fi_time "$1" 120 || return 0
	fi_config "$FI_ATTR" srx 0 1 || return 1
	out=$(timeout 300 "$BIN/fault_ops" -d srx0 -N 1000000000 -n 1 2>&1)
	sites=$(sed -n 's/.* reached \([0-9]*\) fault sites.*/\1/p' <<<"$out")
	if [ -z "$sites" ] || [ "$sites" -eq 0 ]; then
		fail "$1: no fault site counted: $out"
		return 1
	fi
	secs=$((SECONDS - t + 1))
	passes=$((budget / secs))
	[ $passes -ge 1 ] || passes=1
	step=$(((sites + passes - 1) / passes))
	first=$((1 + RANDOM % step))
	note "$1: a pass reaches $sites fault sites in about $secs s: failing site $first and every ${step}th after it, one per pass"
	out=$(timeout $((budget + 300)) "$BIN/fault_ops" -d srx0 \
		-N "$first:$step" -n 100000 -t "$budget" 2>&1)
	rc=$?
	note "$1: $(grep '^# fail-nth' <<<"$out")"
	fo_report "$1" $rc "$out"
	t=$SECONDS
	after_run "$1"
	note "$1: the checks after it $((SECONDS - t)) s"
}

# fi_time WHAT SECONDS: is there time left for WHAT? guest-run gives a
# test SRX_FAULT_BUDGET (default 240) + 60 s; the budget is what it takes.
fi_time() {
	[ $((SECONDS + $2)) -le "$FI_BUDGET" ] && return 0
	note "$1: skipped, the test is at $SECONDS s of its $FI_BUDGET"
	return 1
}

# fi_begin ATTR OTHER: srx0 up and working, ATTR the one to use, OTHER
# failing nothing, kmemleak's old reports forgotten. Returns 1 (the test
# passes with a note) without fault injection, 2 on failure.
fi_begin() {
	srx0_add || return 2
	wait_for gids_ready srx0 || return 2
	fo_plain "the start" || return 2
	if ! fi_available; then
		note "no fault injection in this kernel (no CONFIG_FAILSLAB/FAIL_PAGE_ALLOC/FAULT_INJECTION_DEBUG_FS): fault_ops passes without faults, nothing injected"
		return 1
	fi
	FI_ATTR=$1
	FI_SECONDS=${SRX_FAULT_SECONDS:-4}
	FI_BUDGET=${SRX_FAULT_BUDGET:-240}
	RES_BASE=$(res_summary)
	FI_RANGES=$(fi_ranges)
	fi_reset "$1"
	fi_inert "$2"
	kml_clear
	return 0
}

fi_end() {
	fi_reset failslab
	fi_reset fail_page_alloc
	# The last run's leaks are old enough to be reported 5 s on.
	if kml_on; then
		sleep 5
		kml_check "the runs"
	fi
	[ "$FI_INJECTED" -gt 0 ] ||
		fail "no failure was injected at all: the filters are wrong"
}

test_fault_failslab() {
	fi_begin failslab fail_page_alloc
	case $? in 1) return 0 ;; 2) return ;; esac
	fi_run "failslab srx 10%" srx 10 1
	[ "${SRX_FAULT_EVERY:-0}" = 1 ] && fi_run "failslab srx every 13th" srx 100 13
	fi_run "failslab core 3%" core 3 1
	fi_nth "failslab srx fail-nth"
	fi_end
}

test_fault_page_alloc() {
	fi_begin fail_page_alloc failslab
	case $? in 1) return 0 ;; 2) return ;; esac
	fi_run "fail_page_alloc srx 20%" srx 20 1
	[ "${SRX_FAULT_EVERY:-0}" = 1 ] && fi_run "fail_page_alloc srx every 5th" srx 100 5
	fi_run "fail_page_alloc core 5%" core 5 1
	fi_nth "fail_page_alloc srx fail-nth"
	fi_end
}
