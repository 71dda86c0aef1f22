#!/bin/sh
# Run named test commands one after another and add up their results.
#   run.sh LOGDIR NAME CMD [NAME CMD]...
# A command whose output ends in the harness line "N passed, N failed" adds
# those counts; any other command counts as one check, passed if it exits 0.
# A non-zero exit always counts as a failure. The output of a harness
# command is shown; for other commands (fuzzers) only the last lines, and the
# whole log on failure. Logs stay in LOGDIR/NAME.log. Prints the plain total
# line "check: N passed, N failed" and exits non-zero if anything failed.
logdir=$1
shift
mkdir -p "$logdir"
total_pass=0
total_fail=0
failed_names=

while [ $# -ge 2 ]; do
	name=$1
	cmd=$2
	shift 2
	log="$logdir/$(printf '%s' "$name" | tr '/+' '__').log"
	echo "== $name"
	sh -c "$cmd" >"$log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		cat "$log"
		p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "   exit status $rc despite no failed checks"
			f=1
		fi
	else
		if [ "$rc" -eq 0 ]; then
			# libFuzzer: how much ran; anything else: its last lines.
			grep -E '^Done [0-9]+ runs|stat::(number_of_executed_units|new_units_added)' \
				"$log" | sed 's/^/   /'
			grep -qE '^Done [0-9]+ runs|stat::' "$log" || tail -n 3 "$log" | sed 's/^/   /'
			p=1
			f=0
		else
			cat "$log"
			echo "   exit status $rc"
			p=0
			f=1
		fi
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	if [ "$f" -ne 0 ]; then
		failed_names="$failed_names $name"
		echo "-- $name: FAILED (log: $log)"
	fi
done

if [ $# -ne 0 ]; then
	echo "run.sh: odd number of NAME CMD arguments" >&2
	exit 2
fi
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "check: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
