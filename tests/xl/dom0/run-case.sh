#!/bin/sh
# Run one case of the xl lab: run-case.sh CASE SCENARIO TYPE [VAR=VALUE...]
# Started by lab_run_cases in a session of its own (so a timeout can end
# every process it started). The scenario is sourced with the helpers of
# lablib.sh; the exit status is the number of failed results, or the
# scenario's own non-zero exit status.
export LAB_CASE=$1 LAB_SCENARIO=$2 LAB_TYPE=$3
shift 3
for a in "$@"; do
	case $a in
	[A-Za-z_]*=*) export "$a" ;;
	esac
done
. /lab/lablib.sh
script=/lab/scenarios/$LAB_SCENARIO.sh
if [ ! -f "$script" ]; then
	lab_result scenario fail "no scenario $LAB_SCENARIO"
	exit 1
fi
. "$script"
exit $LAB_FAILS
