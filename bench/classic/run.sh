#!/usr/bin/env bash
# Side-by-side benchmark of mlforge and scikit-learn: fit+predict of every
# classic estimator on the same 20,000 x 20 synthetic data (15,000 rows to
# fit, 5,000 to predict), on the same machine, in one run. Prints each time
# and the ratio mlforge/scikit-learn (below 1 means mlforge is faster), and
# the ratio of the CPU time both spent (user and system, all threads), which
# a busy machine disturbs less than the wall-clock ratio.
#
# Needs Debian's python3-sklearn (run with /usr/bin/python3). Usage:
#   bench/classic/run.sh [repeat]      (ESTIMATORS=file.json times a subset)
set -euo pipefail
cd "$(dirname "$0")/../.."
repeat=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 bench/classic/make_data.py "$tmp"
go build -o "$tmp/classic" ./bench/classic
# numpy's BLAS may use both cores, as mlforge does; set SKLEARN_THREADS to
# change it.
export OMP_NUM_THREADS=${SKLEARN_THREADS:-2} OPENBLAS_NUM_THREADS=${SKLEARN_THREADS:-2}
/usr/bin/python3 bench/classic/sklearn_bench.py --dir "$tmp" --estimators ${ESTIMATORS:-bench/classic/estimators.json} --repeat "$repeat" > "$tmp/sklearn.jsonl"
"$tmp/classic" -dir "$tmp" -estimators ${ESTIMATORS:-bench/classic/estimators.json} -repeat "$repeat" > "$tmp/mlforge.jsonl"
/usr/bin/python3 - "$tmp/sklearn.jsonl" "$tmp/mlforge.jsonl" <<'PY'
import json, sys
sk = {r["class"]: r for r in map(json.loads, open(sys.argv[1]))}
ml = {r["class"]: r for r in map(json.loads, open(sys.argv[2]))}
print(f"{'estimator':26} {'sklearn s':>10} {'mlforge s':>10} {'ratio':>7}  {'cpu ratio':>9}  {'score sk':>9} {'score ml':>9}")
for name, s in sk.items():
    m = ml[name]
    ts, tm = s["fit_s"] + s["predict_s"], m["fit_s"] + m["predict_s"]
    fmt = lambda v: "-" if v is None else f"{v:.4f}"
    cpu = m["cpu_s"] / s["cpu_s"] if s.get("cpu_s", 0) > 0 and m.get("cpu_s", -1) >= 0 else float("nan")
    print(f"{name:26} {ts:10.4f} {tm:10.4f} {tm/ts:7.2f}  {cpu:9.2f}  {fmt(s['score']):>9} {fmt(m['score']):>9}")
PY
