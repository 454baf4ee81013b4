#!/usr/bin/python3
"""Writes the scikit-learn reference values for the RidgeCV parity test
(ridgecv_test.go) into sklearn_ridgecv.json.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/linear/testdata/gen_ridgecv.py

Each case fits RidgeCV (cv=None: efficient leave-one-out) on the first
"rows" rows of a dataset (raw features; all rows when rows is 0; digits'
label is used as a regression target) and stores alpha_, best_score_,
coef_, intercept_ and the predictions on those rows. digits' first 40 rows
have more features than samples, where scikit-learn takes gcv_mode "eigen".
"""
import gzip
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import RidgeCV

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(os.path.join(ROOT, path), "rt") as f:
        rows = [l.split(",") for l in f.read().strip().split("\n")[1:]]
    a = np.array([[float(v) for v in r] for r in rows])
    return a[:, :-1], a[:, -1]


CASES = [
    ("diabetes_default", "data/datasets/diabetes.csv", 0, {}),
    ("diabetes_grid", "data/datasets/diabetes.csv", 0, {"alphas": [1e-3, 1e-2, 0.1, 0.3, 1, 3, 10, 100]}),
    ("diabetes_no_intercept", "data/datasets/diabetes.csv", 0, {"alphas": [0.01, 1, 100], "fit_intercept": False}),
    ("digits_wide", "data/datasets/digits.csv", 40, {"alphas": [0.1, 1, 10, 100]}),
    ("synthetic", "testdata/synthetic/regression_10k.csv.gz", 0, {"alphas": [0.01, 1, 100, 1000]}),
]


def main():
    out = {"sklearn": sklearn.__version__, "cases": []}
    for name, path, rows, params in CASES:
        X, y = load(path)
        if rows:
            X, y = X[:rows], y[:rows]
        m = RidgeCV(**params).fit(X, y)
        out["cases"].append({
            "name": name, "data": path, "rows": rows, "params": params,
            "alpha": float(m.alpha_), "best_score": float(m.best_score_),
            "coef": m.coef_.tolist(), "intercept": float(m.intercept_),
            "predict": m.predict(X[:100]).tolist(),
        })
    with open(os.path.join(HERE, "sklearn_ridgecv.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
