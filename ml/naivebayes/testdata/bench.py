#!/usr/bin/python3
"""Times scikit-learn's GaussianNB fit+predict on the data of bench_test.go.

Run from the repository root, back to back with the Go benchmarks:

    /usr/bin/python3 ml/naivebayes/testdata/bench.py
    go test -run '^$' -bench 20k -benchtime 20x ./ml/naivebayes/

The data is ml/linear/testdata/bench.py's make_data (splitmix64, seed 42).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "linear", "testdata"))

from bench import bench, make_data  # noqa: E402


class _Proba:
    """Wraps GaussianNB so that bench's predict step is predict_proba."""

    def __init__(self):
        from sklearn.naive_bayes import GaussianNB
        self.m = GaussianNB()

    def fit(self, X, y):
        self.m.fit(X, y)
        return self

    def predict(self, X):
        return self.m.predict_proba(X)


def main():
    from sklearn.naive_bayes import GaussianNB
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    X, _, y = make_data()
    bench("GaussianNB20k", GaussianNB, X, y, repeat)
    bench("GaussianNBProba20k", _Proba, X, y, repeat)


if __name__ == "__main__":
    main()
