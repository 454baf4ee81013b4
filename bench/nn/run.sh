#!/bin/sh
# Side-by-side training-epoch benchmark: bench/nn/epoch (Go) against
# bench/nn/epoch_torch.py (PyTorch 1.13), same models, data, batch and loop.
#
#   sh bench/nn/run.sh [rounds] [torch thread counts]
#
# Each round runs the Go program, then PyTorch once per thread count
# (default "2 1"), back to back; every run does one warm-up epoch and three
# timed ones and reports its best. PyTorch always gets OPENBLAS_NUM_THREADS=1
# (its fastest setting here with torch.set_num_threads(2)); on a loaded
# machine its 2-thread runs suffer most, so the reference taken for the ratio
# is PyTorch's best over all its thread counts and rounds, and the table also
# shows the 2-thread figure alone. A PyTorch run longer than TORCH_TIMEOUT
# seconds (default 900) is dropped. The load average is printed per round.
# EPOCHS sets the number of timed epochs per run (default 3), WARMUP the
# untimed ones before them (default 1), MODELS the
# comma-separated models (default: all of them, mlp, cnn, cnn2, resnet18,
# cnn1d, transformer and mnist, the two-convolution spec run whose line is
# its 5 epochs' fit time). Both programs also write each epoch's CPU
# seconds (user and system) to stderr, which RAW_DIR keeps when set: on a
# loaded machine they say more than the wall-clock times.
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-3}
threads=${2:-"2 1"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
models=${MODELS:-mlp,cnn,cnn2,resnet18,cnn1d,transformer,mnist}
raw=${RAW_DIR:-$tmp}
mkdir -p "$raw"
go build -o "$tmp/epoch" ./bench/nn/epoch
i=1
while [ "$i" -le "$rounds" ]; do
	echo "# round $i go:    $(uptime)"
	"$tmp/epoch" -models "$models" -warmup "${WARMUP:-1}" -epochs "${EPOCHS:-3}" 2>"$raw/go$i.err" | sed "s/^go /$i go /" >>"$tmp/out"
	for th in $threads; do
		echo "# round $i torch$th: $(uptime)"
		if ! OPENBLAS_NUM_THREADS=1 timeout "${TORCH_TIMEOUT:-900}" /usr/bin/python3 bench/nn/epoch_torch.py --models "$models" --threads "$th" --warmup "${WARMUP:-1}" --epochs "${EPOCHS:-3}" 2>"$raw/torch$th-$i.err" |
			sed "s/^torch /$i torch$th /" >>"$tmp/out"; then
			echo "# round $i torch$th: failed or timed out"
		fi
	done
	grep "^$i " "$tmp/out" | sed 's/^/#   /'
	i=$((i + 1))
done
echo "# end:            $(uptime)"
awk -v threads="$threads" '
# Lines: ROUND IMPL MODEL BEST_S LOSS EPOCH_S...
{ r = $1; impl = $2; m = $3; t = $4 + 0
  if (!(m in seen)) { seen[m] = 1; order[++nm] = m }
  key = impl SUBSEP m
  if (!(key in best) || t < best[key]) best[key] = t
  if (!(key in worst) || t > worst[key]) worst[key] = t
  loss[key] = $5
  if (impl != "go") { rk = r SUBSEP m; if (!(rk in tbest) || t < tbest[rk]) tbest[rk] = t }
  else gor[r SUBSEP m] = t
  if (r > nr) nr = r }
END {
  n = split(threads, th, " ")
  printf "\nEpoch seconds: best over rounds (slowest round best in brackets)\n"
  printf "%-5s %-16s", "model", "go"
  for (j = 1; j <= n; j++) printf " %-16s", "torch " th[j] "thr"
  printf " %9s %9s %-15s %8s %8s\n", "go/torch", "go/t2thr", "per-round", "loss go", "torch"
  for (i = 1; i <= nm; i++) { m = order[i]
    g = best["go", m]
    printf "%-5s %6.3f [%6.3f]  ", m, g, worst["go", m]
    ref = 0
    for (j = 1; j <= n; j++) { k = "torch" th[j] SUBSEP m
      if (k in best) { printf " %6.3f [%6.3f] ", best[k], worst[k]; if (ref == 0 || best[k] < ref) { ref = best[k]; rl = loss[k] } }
      else printf " %-16s", "-" }
    k2 = "torch2" SUBSEP m
    r2 = (k2 in best) ? sprintf("%9.2f", g / best[k2]) : sprintf("%9s", "-")
    lo = 1e9; hi = 0
    for (r = 1; r <= nr; r++) if ((r SUBSEP m) in tbest && (r SUBSEP m) in gor) {
      q = gor[r, m] / tbest[r, m]; if (q < lo) lo = q; if (q > hi) hi = q }
    spread = (hi > 0) ? sprintf("%.2f-%.2f", lo, hi) : "-"
    printf " %9.2f %s %-15s %8s %8s\n", (ref > 0 ? g / ref : 0), r2, spread, loss["go", m], rl }
  printf "go/torch: our best over PyTorch'"'"'s best (any thread count); go/t2thr: over PyTorch with 2 threads;\n"
  printf "per-round: range of (our time / PyTorch'"'"'s best) within each round; loss: mean batch loss of the last epoch.\n"
}' "$tmp/out"
