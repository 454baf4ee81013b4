"""Time a GRU forward+backward step in PyTorch, to compare with Go's
BenchmarkGRUStep (nn/rnn_test.go): input 32, hidden 64, seq 20, batch 64,
batch_first, loss sum(output * r).

Run back to back with the Go benchmark from the repository root:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 nn/testdata/bench_rnn.py; \
    go test ./nn -run XXX -bench GRUStep -benchmem

It prints the median time per step over several repeats, in the Go
benchmark's ns/op unit, with 2 intra-op threads (the Go benchmark's
GOMAXPROCS on the 2-core machine) and, for reference, with 1: on a shared,
loaded machine PyTorch's OpenMP threads can be much slower with 2.
"""
import time

import torch

torch.manual_seed(0)


def bench(threads):
    torch.set_num_threads(threads)
    m = torch.nn.GRU(32, 64, batch_first=True)
    x = torch.randn(64, 20, 32)
    r = torch.randn(64, 20, 64)

    def step():
        m.zero_grad(set_to_none=False)
        out, _ = m(x)
        (out * r).sum().backward()

    for _ in range(20):
        step()
    times = []
    for _ in range(7):
        n = 50
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        times.append((time.perf_counter() - t0) / n)
    times.sort()
    print(f"torch {torch.__version__} GRUStep: {times[len(times) // 2] * 1e9:.0f} ns/op "
          f"(median of 7 x 50 steps, {threads} thread{'s' if threads > 1 else ''})")


def main():
    bench(2)
    bench(1)


if __name__ == "__main__":
    main()
