"""Time PyTorch training steps for the nn benchmarks (BenchmarkMLPStep,
BenchmarkCNNStep in nn/bench_test.go) on the same shapes.

Run from the repository root, back to back with the Go benchmarks:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/nn/torch_steps.py
    go test ./nn/ -run XXX -bench Step -count 5

It prints the best-of-5 mean step time (ms) of each model, and the epoch
time that implies (MLP: 60,000 samples = 938 steps of 64; CNN: 10,000
samples = 157 steps of 64). An optional argument sets the thread count
(default 2); compare a 1-thread run with GOMAXPROCS=1 go test ... when the
machine is loaded, since spinning OpenMP threads suffer most from sharing.
"""
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(0)


def bench(model, x, y, steps=30, reps=5):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    lossf = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - t0) / steps)
    return best * 1e3


mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
ms = bench(mlp, torch.rand(64, 784), torch.randint(0, 10, (64,)))
print(f"torch MLP step {ms:.3f} ms  epoch(938 steps) {ms * 938 / 1e3:.2f} s")
cnn = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(5408, 10))
ms = bench(cnn, torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,)))
print(f"torch CNN step {ms:.3f} ms  epoch(157 steps) {ms * 157 / 1e3:.2f} s")
