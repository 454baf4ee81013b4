"""Time PyTorch's DataLoader on MNIST-shaped data, for comparison with
BenchmarkLoaderMNIST (60,000 x 1x28x28 float32 in memory, batch 64,
shuffled). Run from the repository root:

    /usr/bin/python3 data/loader/testdata/bench.py && go test -run xxx -bench LoaderMNIST ./data/loader/
"""
import time

import torch
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
ds = TensorDataset(torch.rand(60000, 1, 28, 28), torch.zeros(60000, dtype=torch.long))
for workers in [0, 2]:
    dl = DataLoader(ds, batch_size=64, shuffle=True, num_workers=workers)
    n, t0 = 0, time.perf_counter()
    for _ in range(2):
        for x, y in dl:
            n += 1
    dt = time.perf_counter() - t0
    print(f"torch DataLoader num_workers={workers}: {dt / n * 1e9:.0f} ns/batch over {n} batches")
