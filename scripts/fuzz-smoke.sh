#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Short fuzz run of each target (make fuzz-smoke): FUZZ_SECONDS (default
# 30) on its seed corpus tests/fuzz/corpus/<name>/, one after the other.
# New inputs go to build-fuzz/corpus/<name>/ (the seeds are not touched),
# a crashing input to build-fuzz/artifacts/. Prints one line per target
# with its executions, and fails at the first crash, leak or timeout.
#
#   scripts/fuzz-smoke.sh build-fuzz/fuzz/fuzz_NAME...
set -eu

cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
out=build-fuzz
[ $# -gt 0 ] || {
	echo "fuzz-smoke: no targets (run make fuzz)" >&2
	exit 2
}
mkdir -p "$out/artifacts" "$out/logs"
status=0
for target; do
	name=${target##*/fuzz_}
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || {
		echo "fuzz-smoke: $name: no seed corpus $seeds" >&2
		exit 2
	}
	mkdir -p "$out/corpus/$name"
	log=$out/logs/$name.log
	# -timeout: no input may take a second; the targets run in microseconds.
	if "$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$name-" "$out/corpus/$name" "$seeds" \
		>"$log" 2>&1; then
		result=ok
	else
		result=FAILED
		status=1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -E '^#[0-9]+.*(DONE|INITED)' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	echo "fuzz-smoke: $name: $result, ${runs:-?} executions in ${seconds}s, coverage ${cov:-?}"
	if [ "$result" = FAILED ]; then
		tail -n 40 "$log" >&2
		break
	fi
done
exit $status
