"""Write the scikit-learn reference fixtures for ml/ensemble's
HistGradientBoostingClassifier and HistGradientBoostingRegressor.

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/ensemble/testdata/gen_hist.py

One thread (OMP_NUM_THREADS=1) so that the root's gradient sum is the
sequential float64 sum that the Go code computes. Datasets are split as the
other fixtures: row i is a test row when i % 4 == 0. Early stopping is off
(these sets are under 10,000 rows, so "auto" is off too) except in the case
that sets early_stopping=True. The *_nan sets have 15% of the values of
every other feature replaced by NaN, by RandomState(0), in the training and
the test rows. For each case it writes to hist_<dataset>.json the baseline
prediction, n_iter_, the node count of each tree, train_score_ and
validation_score_ (early stopping), and on the test rows predict,
decision_function (the raw predictions of a regressor: predict) and
predict_proba.
"""
import os

os.environ["OMP_NUM_THREADS"] = "1"

import csv
import json
import sys

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))


def load(path):
    with open(os.path.join(ROOT, path), "rt") as f:
        rows = list(csv.reader(f))[1:]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    raw = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in raw])
    except ValueError:
        names = sorted(set(raw))
        y = np.array([float(names.index(v)) for v in raw])
    return X, y


def inject_nan(X):
    X = X.copy()
    rng = np.random.RandomState(0)
    mask = rng.uniform(size=X.shape) < 0.15
    mask[:, 1::2] = False
    X[mask] = np.nan
    return X


CLF_CASES = [
    {},
    {"learning_rate": 0.3, "max_iter": 30, "max_leaf_nodes": 8, "min_samples_leaf": 5},
    {"max_depth": 3, "l2_regularization": 1.0, "max_iter": 50},
    {"max_bins": 16, "max_iter": 40},
    {"early_stopping": True, "n_iter_no_change": 3, "validation_fraction": 0.2, "random_state": 3, "max_iter": 60},
]
REG_CASES = [
    {},
    {"loss": "absolute_error", "max_iter": 50},
    {"loss": "poisson", "max_iter": 50},
    {"learning_rate": 0.3, "max_iter": 30, "max_leaf_nodes": 8, "min_samples_leaf": 5},
    {"max_depth": 3, "l2_regularization": 1.0, "max_iter": 50},
    {"max_bins": 16, "max_iter": 40},
    {"early_stopping": True, "n_iter_no_change": 3, "validation_fraction": 0.2, "random_state": 3, "max_iter": 60},
]


def fit_case(cls, params, X, y):
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    params = dict(params)
    params.setdefault("early_stopping", False)
    m = cls(**params).fit(Xtr, ytr)
    out = {
        "estimator": cls.__name__,
        "params": params,
        "baseline": np.asarray(m._baseline_prediction).ravel().tolist(),
        "n_iter": int(m.n_iter_),
        "node_counts": [len(p.nodes) for it in m._predictors for p in it],
        "train_score": np.asarray(m.train_score_).tolist(),
        "validation_score": np.asarray(m.validation_score_).tolist(),
        "test_predict": m.predict(Xte).tolist(),
        "test_score": float(m.score(Xte, yte)),
    }
    if cls is HistGradientBoostingClassifier:
        out["test_decision"] = np.asarray(m.decision_function(Xte)).ravel().tolist()
        out["test_proba"] = m.predict_proba(Xte).ravel().tolist()
    return out


DATASETS = [
    ("iris", "data/datasets/iris.csv", HistGradientBoostingClassifier, False),
    ("breast_cancer", "data/datasets/breast_cancer.csv", HistGradientBoostingClassifier, False),
    ("diabetes", "data/datasets/diabetes.csv", HistGradientBoostingRegressor, False),
    ("breast_cancer_nan", "data/datasets/breast_cancer.csv", HistGradientBoostingClassifier, True),
    ("diabetes_nan", "data/datasets/diabetes.csv", HistGradientBoostingRegressor, True),
]


def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    only = set(sys.argv[1:])
    for name, path, cls, nan in DATASETS:
        if only and name not in only:
            continue
        X, y = load(path)
        if nan:
            X = inject_nan(X)
        cases = CLF_CASES if cls is HistGradientBoostingClassifier else REG_CASES
        out = {"sklearn": sklearn.__version__, "dataset": path, "nan": nan, "test_rows": "i % 4 == 0",
               "cases": [fit_case(cls, p, X, y) for p in cases]}
        with open(os.path.join(OUT, "hist_" + name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, [(c["n_iter"], round(c["test_score"], 4)) for c in out["cases"]], file=sys.stderr)


if __name__ == "__main__":
    main()
