#!/usr/bin/env bash
# Peak resident memory of fitting one estimator, mlforge against
# scikit-learn, each in a fresh process on bench/classic's 20,000 x 20 data
# (15,000 rows fitted, 5,000 predicted), with the baseline of the same
# process after loading the data and before fitting (a first line with
# DecisionTreeClassifier of depth 1 stands for it). Usage:
#   bench/classic/memory.sh ['{"class": ..., "kind": ..., "data": ..., "params": {...}}']
# (default: RandomForestClassifier(100, n_jobs=2)); BASE='{...}' replaces the
# baseline, for an estimator on other data. t-SNE's Barnes-Hut on 20,000
# points of wide20k (kind "embed": fit_transform of all the rows):
#   BASE='{"class": "PCA", "kind": "transform", "data": "wide20k", "params": {"n_components": 2}}' \
#   bench/classic/memory.sh '{"class": "TSNE", "kind": "embed", "data": "wide20k", "params": {"random_state": 0}}'
set -euo pipefail
cd "$(dirname "$0")/../.."
est=${1:-'{"class": "RandomForestClassifier", "kind": "classifier", "data": "classification", "params": {"n_estimators": 100, "n_jobs": 2, "random_state": 0}}'}
base=${BASE:-'{"class": "DecisionTreeClassifier", "kind": "classifier", "data": "classification", "params": {"max_depth": 1}}'}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 bench/classic/make_data.py "$tmp"
go build -o "$tmp/classic" ./bench/classic
echo "[$base]" > "$tmp/base.json"
echo "[$est]" > "$tmp/est.json"
export OMP_NUM_THREADS=${SKLEARN_THREADS:-2} OPENBLAS_NUM_THREADS=${SKLEARN_THREADS:-2}
for side in sklearn mlforge; do
  for f in base est; do
    if [ $side = sklearn ]; then
      /usr/bin/python3 bench/classic/sklearn_bench.py --dir "$tmp" --estimators "$tmp/$f.json" --repeat 1
    else
      "$tmp/classic" -dir "$tmp" -estimators "$tmp/$f.json" -repeat 1
    fi | /usr/bin/python3 -c "import json,sys; r=json.loads(sys.stdin.read()); print(f\"$side {r['class']:28} peak RSS {r['maxrss_mb']:8.1f} MB  fit {r['fit_s']:8.2f} s  cpu {r.get('cpu_s', -1):8.2f} s  score {r['score']}\")"
  done
done
