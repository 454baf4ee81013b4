"""Time torch.mm (and numpy's matmul) at the shapes bench/gemm/main.go uses.

Run through run.sh, or alone:
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/gemm/torch_gemm.py [--reps 5] [--shapes "M,N,K;..."]

Shapes are M,N,K[,OP] as in main.go: OP (default NN) says whether op(A) and
op(B) are transposed; transposed operands are stored transposed and passed
as .t() views, which torch hands to sgemm as transpose flags (no copy).

Prints one line per shape and library: "<lib> M N K OP GFLOP/s", the best of
--reps repetitions. Debian's torch 1.13 is built with BLAS_INFO=generic: it
calls sgemm from libblas.so.3, which update-alternatives points at
OpenBLAS (libopenblas0-pthread); numpy uses the same library, so "numpy"
is a second reading of the same OpenBLAS kernels.
"""
import argparse
import sys
import time

import numpy as np
import torch

DEFAULT = ("256,256,256;512,512,512;1024,1024,1024;2048,2048,2048;"
           "32,676,9;64,121,288;64,676,576;128,784,1152;64,576,676,NT;576,676,64,TN;"
           "64,128,784,NT;64,784,128;128,784,64,TN")


def best(fn, flops, reps, min_time):
    fn()
    iters = 1
    while True:
        t = time.perf_counter()
        for _ in range(iters):
            fn()
        if time.perf_counter() - t >= min_time / 4:
            break
        iters *= 2
    iters *= 4
    rate = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(iters):
            fn()
        rate = max(rate, flops * iters / (time.perf_counter() - t) / 1e9)
    return rate


def openblas_core():
    """Returns the kernel set OpenBLAS picked (e.g. Cooperlake: AVX-512)."""
    import ctypes
    import glob
    for path in glob.glob("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas*.so*"):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default=DEFAULT)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--mintime", type=float, default=0.05)
    ap.add_argument("--numpy", action="store_true", help="also time numpy.matmul")
    args = ap.parse_args()
    torch.set_num_threads(2)
    print(f"# torch {torch.__version__}, OpenBLAS core {openblas_core()}", file=sys.stderr)
    g = torch.Generator().manual_seed(0)
    for s in args.shapes.split(";"):
        f = s.split(",")
        m, n, k = (int(v) for v in f[:3])
        op = f[3].upper() if len(f) > 3 else "NN"
        a = torch.randn(k, m, generator=g).t() if op[0] == "T" else torch.randn(m, k, generator=g)
        b = torch.randn(n, k, generator=g).t() if op[1] == "T" else torch.randn(k, n, generator=g)
        c = torch.empty(m, n)
        flops = 2.0 * m * n * k
        r = best(lambda: torch.mm(a, b, out=c), flops, args.reps, args.mintime)
        print(f"torch {m} {n} {k} {op} {r:.1f}", flush=True)
        if args.numpy:
            an, bn, cn = a.numpy(), b.numpy(), c.numpy()
            r = best(lambda: np.matmul(an, bn, out=cn), flops, args.reps, args.mintime)
            print(f"numpy {m} {n} {k} {op} {r:.1f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
