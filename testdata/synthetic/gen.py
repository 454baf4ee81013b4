#!/usr/bin/python3
"""Writes the synthetic data sets shared by the parity tests.

Run with Debian's scikit-learn 1.2 (apt-get install python3-sklearn):

    /usr/bin/python3 testdata/synthetic/gen.py

Values are rounded to 6 significant digits before they are written, so the
files are the data: Go and Python read the same numbers.
"""
import gzip
import os

import numpy as np
from sklearn.datasets import make_classification, make_regression

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, X, y, yfmt):
    path = os.path.join(HERE, name)
    cols = [f"x{i}" for i in range(X.shape[1])] + ["target"]
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write((",".join(cols) + "\n").encode())
        for row, t in zip(X, y):
            f.write((",".join(f"{v:.6g}" for v in row) + "," + (yfmt % t) + "\n").encode())


# 10,000 x 20, three classes: the classification parity set.
X, y = make_classification(n_samples=10000, n_features=20, n_informative=10,
                           n_redundant=4, n_classes=3, random_state=0)
write("classification_10k.csv.gz", X, y, "%d")

# 10,000 x 20 regression with noise.
X, y = make_regression(n_samples=10000, n_features=20, n_informative=12,
                       noise=10.0, random_state=0)
write("regression_10k.csv.gz", X, y, "%.6g")
