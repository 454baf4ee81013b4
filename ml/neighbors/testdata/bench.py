#!/usr/bin/python3
"""Times scikit-learn's k-nearest-neighbour estimators on the shape of the Go
benchmark BenchmarkFitPredict: fit on 15,000 rows, predict 5,000, 20
features, the same numbers (splitmix64 uniforms, built as benchData in
bench_test.go builds them).

Run with Debian's scikit-learn 1.2, back to back with the Go benchmark:

    /usr/bin/python3 ml/neighbors/testdata/bench.py && \
        go test -run '^$' -bench FitPredict -benchtime 5x ./ml/neighbors/

It prints one line per estimator, algorithm, p and n_jobs: the best of
REPEATS wall-clock times and the best CPU time (time.process_time, all
threads) in milliseconds. The Go benchmark reports both too (ns/op and
cpu-ms/op); on a shared machine CPU time is the steadier of the two.
"""
import time

import numpy as np
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

REPEATS = 5
M64 = (1 << 64) - 1


def uniforms(seeds):
    z = (seeds + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(M64)
    z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9))
    z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB))
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def bench_data(n, d):
    with np.errstate(over="ignore"):
        s = np.arange(n * d, dtype=np.uint64).reshape(n, d)
        noise = (uniforms(4 * s) + uniforms(4 * s + np.uint64(1)) + uniforms(4 * s + np.uint64(2))
                 + uniforms(4 * s + np.uint64(3)) - 2) * np.sqrt(3)
        c = np.arange(n) % 3
        centres = 4 * uniforms(np.uint64(1_000_000_000) + np.arange(3 * d, dtype=np.uint64)).reshape(3, d) - 2
    centres[:, 10:] = 0
    X = noise + centres[c]
    return X, c.astype(np.float64), X[:, :5].sum(axis=1)


def main():
    X, yc, yr = bench_data(20000, 20)
    X4, yc4, _ = bench_data(20000, 4)
    runs = []  # name, class, algorithm, p, X, y, label suffix
    for algo in ("brute", "kd_tree"):
        for p in (2, 1):
            runs.append(("KNeighborsClassifier", KNeighborsClassifier, algo, p, X, yc, ""))
        runs.append(("KNeighborsRegressor", KNeighborsRegressor, algo, 2, X, yr, ""))
    # BenchmarkFitPredictLowDim: 4 features, where "auto" picks the k-d tree.
    runs.append(("KNeighborsClassifier", KNeighborsClassifier, "auto", 2, X4, yc4, "/d4"))
    for name, cls, algo, p, X_, y, suffix in runs:
        Xtr, Xte = X_[:15000], X_[15000:]
        for n_jobs in (None, -1):
            best = cpu = float("inf")
            for _ in range(REPEATS):
                t, c = time.perf_counter(), time.process_time()
                m = cls(algorithm=algo, p=p, n_jobs=n_jobs).fit(Xtr, y[:15000])
                m.predict(Xte)
                best = min(best, time.perf_counter() - t)
                cpu = min(cpu, time.process_time() - c)
            print(f"{name}/{algo}/p{p}{suffix} n_jobs={n_jobs}: {best * 1e3:.1f} ms wall, {cpu * 1e3:.1f} ms cpu")


if __name__ == "__main__":
    main()
