#!/bin/sh
# Side-by-side GEMM benchmark: tensor.Gemm against torch.mm (OpenBLAS).
#
#   sh bench/gemm/run.sh [rounds]
#
# The machine is shared, so the Go program and the Python one run
# interleaved, `rounds` times each (default 3), and every number is the best
# seen for that shape. torch uses 2 threads; OPENBLAS_NUM_THREADS=1 was its
# fastest setting here (torch.set_num_threads(2) with one OpenBLAS thread).
# OPENBLAS_CORETYPE is left unset so OpenBLAS picks its AVX-512 kernels
# (0.3.21 reports "Cooperlake" here; the header lines name the kernels used).
# Debian's torch is built with BLAS_INFO=generic and loads libblas.so.3, which
# update-alternatives points at OpenBLAS (openblas-pthread), as numpy does.
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/gemm" ./bench/gemm
i=0
while [ "$i" -lt "$rounds" ]; do
	"$tmp/gemm" -reps 3 >>"$tmp/out" 2>/dev/null
	OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/gemm/torch_gemm.py --reps 3 --numpy >>"$tmp/out" 2>"$tmp/torch.err"
	i=$((i + 1))
done
"$tmp/gemm" -shapes 1,1,1 -reps 1 2>&1 >/dev/null | head -1
head -1 "$tmp/torch.err"
awk '
{ key = $2 "x" $3 "x" $4 " " $5; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
  if ($6 > best[$1, key]) best[$1, key] = $6 }
END {
  printf "GFLOP/s, best of all rounds\n"
  printf "%-19s %10s %10s %10s %8s\n", "MxNxK op", "go", "torch", "numpy", "go/torch"
  for (i = 1; i <= n; i++) { k = order[i]
    printf "%-19s %10.1f %10.1f %10.1f %8.2f\n", k, best["go", k], best["torch", k], best["numpy", k], best["go", k] / best["torch", k] }
}' "$tmp/out"
