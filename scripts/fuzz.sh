#!/bin/sh
# scripts/fuzz.sh [DURATION]: runs every Fuzz* test of the project, one after
# another, for DURATION each (default 5m), prints each fuzzer's executions
# per second (from Go's last progress line) and fails if any fuzzer fails.
set -u
dur=${1:-5m}
cd "$(dirname "$0")/.." || exit 1
status=0
for pkg in $(go list ./...); do
	for fz in $(go test -list 'Fuzz.*' "$pkg" 2>/dev/null | grep '^Fuzz'); do
		log=$(mktemp)
		if go test "$pkg" -run '^$' -fuzz "^$fz\$" -fuzztime "$dur" >"$log" 2>&1; then
			res=ok
		else
			res=FAIL
			status=1
		fi
		rate=$(grep -o 'execs: [0-9]* ([0-9]*/sec)' "$log" | tail -1)
		printf '%-4s %-45s %-22s %s\n' "$res" "$pkg" "$fz" "${rate:-no progress line}"
		[ "$res" = FAIL ] && tail -30 "$log"
		rm -f "$log"
	done
done
exit $status
