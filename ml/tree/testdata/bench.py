"""Time scikit-learn 1.2's decision trees on the shape of the Go benchmarks.

Run from the repository root, back to back with the Go benchmarks:

    /usr/bin/python3 ml/tree/testdata/bench.py
    go test ./ml/tree -run '^$' -bench FitPredict -benchtime 5x

It builds the same 20,000 x 20 data as benchData in bench_test.go (an
xorshift64* generator; every feature is a sum of four uniforms, the targets
are polynomials of five features plus noise), then times fit followed by
predict on the training rows for DecisionTreeClassifier and
DecisionTreeRegressor with default parameters (random_state=0), printing the
best and the median wall time of 5 runs and their mean CPU time (process
time, steadier on a shared machine; the Go benchmark reports cpu-ms/op) in
milliseconds.
"""
import statistics
import time

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

M64 = (1 << 64) - 1


def bench_data(n, d, seed=12345):
    state = seed
    vals = []

    def uniform():
        nonlocal state
        state ^= state >> 12
        state ^= (state << 25) & M64
        state ^= state >> 27
        r = (state * 2685821657736338717) & M64
        return (r >> 11) * (1.0 / (1 << 53))

    X = np.empty((n, d))
    yc = np.empty(n)
    yr = np.empty(n)
    for i in range(n):
        for j in range(d):
            X[i, j] = uniform() + uniform() + uniform() + uniform() - 2.0
        x = X[i]
        noise = uniform() - 0.5
        s = x[0] + 2.0 * x[1] - x[2] + 0.5 * x[3] * x[4] + 0.5 * noise
        yc[i] = 0.0 if s < -0.7 else (1.0 if s < 0.7 else 2.0)
        yr[i] = 3.0 * x[0] - 2.0 * x[1] + x[2] * x[3] + 0.5 * x[4] * x[4] + 0.2 * noise
    return X, yc, yr


def timeit(make, X, y, runs=5):
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        m = make().fit(X, y)
        m.predict(X)
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return min(times), statistics.median(times), statistics.mean(cpu), m


def main():
    X, yc, yr = bench_data(20000, 20)
    for name, make, y in [
        ("classifier", lambda: DecisionTreeClassifier(random_state=0), yc),
        ("regressor", lambda: DecisionTreeRegressor(random_state=0), yr),
    ]:
        best, med, cpu, m = timeit(make, X, y)
        print(f"sklearn {name} 20000x20 fit+predict: wall best {best:.1f} ms, median {med:.1f} ms; "
              f"cpu mean {cpu:.1f} ms/op (nodes {m.tree_.node_count})")


if __name__ == "__main__":
    main()
