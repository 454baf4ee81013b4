#!/bin/sh
# scripts/fuzz.sh [DURATION]: runs every Fuzz* test of the project, one after
# another, for DURATION each (default 5m), prints for each fuzzer ok or FAIL
# (ok*: Go's own deadline race, below), its executions per second over the
# whole run and its total executions, and fails if any fuzzer fails. A
# failing input is left in the package's testdata/fuzz/<Fuzzer>/ by go test:
# commit it as a regression seed.
#
# Environment:
#   FUZZ_PARALLEL  fuzzing processes per fuzzer (go test -parallel; default:
#                  go's, GOMAXPROCS)
#   FUZZ_MINIMIZE  go test -fuzzminimizetime (default 1000x): Go minimizes
#                  every input that finds new coverage, for up to 60 s by
#                  default, in time quadratic in its length, and reports no
#                  progress meanwhile; the fuzzers whose inputs are whole
#                  files of kilobytes (the model file) spent their runs
#                  minimizing at its default.
#   FUZZ_MATCH     only the fuzzers whose name matches this grep pattern
#   FUZZ_LOGDIR    keep each fuzzer's output there (<package>.<Fuzzer>.log)
set -u
dur=${1:-5m}
cd "$(dirname "$0")/.." || exit 1
par=${FUZZ_PARALLEL:+-parallel $FUZZ_PARALLEL}
minimize=${FUZZ_MINIMIZE:-1000x}
status=0
printf '%-4s %-45s %-20s %10s %12s\n' res package fuzzer execs/s execs
# The packages that declare fuzzers, found without building every test.
for dir in $(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do
	pkg=$(go list "$dir") || { status=1; continue; }
	for fz in $(grep -h '^func Fuzz' "$dir"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/' | sort -u); do
		[ -n "${FUZZ_MATCH:-}" ] && ! echo "$fz" | grep -q -- "$FUZZ_MATCH" && continue
		if [ -n "${FUZZ_LOGDIR:-}" ]; then
			mkdir -p "$FUZZ_LOGDIR"
			log=$FUZZ_LOGDIR/$(echo "$pkg" | tr / _).$fz.log
		else
			log=$(mktemp)
		fi
		start=$(date +%s)
		# shellcheck disable=SC2086
		corpus=$dir/testdata/fuzz/$fz
		before=$(ls "$corpus" 2>/dev/null)
		if go test "$pkg" -run '^$' -fuzz "^$fz\$" -fuzztime "$dur" -fuzzminimizetime "$minimize" $par >"$log" 2>&1; then
			res=ok
		elif [ "$(ls "$corpus" 2>/dev/null)" = "$before" ] && grep -q '^    context deadline exceeded$' "$log" && ! grep -q -e '^panic: ' -e 'Failing input written' "$log"; then
			# Go's coordinator can report its own -fuzztime deadline as a
			# failure when a worker is mid-call as it ends (golang/go#75804,
			# fixed in Go 1.27): no failing input, nothing to reproduce.
			res=ok*
		else
			res=FAIL
			status=1
		fi
		# Go's progress lines: "fuzz: elapsed: 1m3s, execs: 123456 (411/sec), ...";
		# the rate is the total over the fuzzing time (not the last line's,
		# which covers its last 3 s only).
		last=$(grep -o 'elapsed: [0-9hms]*, execs: [0-9]*' "$log" | tail -1)
		el=$(echo "$last" | sed 's/elapsed: \([0-9hms]*\),.*/\1/')
		secs=0
		for part in $(echo "$el" | sed 's/\([hms]\)/\1 /g'); do
			case $part in
			*h) secs=$((secs + ${part%h} * 3600)) ;;
			*m) secs=$((secs + ${part%m} * 60)) ;;
			*s) secs=$((secs + ${part%s})) ;;
			esac
		done
		execs=$(echo "$last" | sed 's/.*execs: //')
		if [ -n "$execs" ] && [ "$secs" -gt 0 ]; then
			rate=$((execs / secs))
		else
			rate=- execs=${execs:--}
		fi
		printf '%-4s %-45s %-20s %10s %12s  (%ds)\n' "$res" "$pkg" "$fz" "$rate" "$execs" $(($(date +%s) - start))
		[ "$res" = FAIL ] && tail -30 "$log"
		[ -z "${FUZZ_LOGDIR:-}" ] && rm -f "$log"
	done
done
exit $status
