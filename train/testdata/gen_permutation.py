#!/usr/bin/python3
"""Writes permutation.json: scikit-learn 1.2.1's permutation_importance of
pipelines fitted on whole built-in datasets and scored on them again, for
train's permutation parity test (which runs the same spec fragments with
data.train and data.test both the dataset). The cases cover the three ways
sample_without_replacement draws max_samples rows: a permutation's head
(0.01 < ratio < 0.99), tracking selection (ratio < 0.01) and reservoir
sampling (ratio >= 0.99).

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_permutation.py
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.inspection import permutation_importance
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
assert sklearn.__version__.startswith("1.2"), sklearn.__version__


def load(name):
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = list(csv.reader(f))
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    y = [r[-1] for r in rows[1:]]
    try:
        y = np.array([float(v) for v in y])
    except ValueError:
        y = np.array(y)
    return X, y


def scaled(est):
    return make_pipeline(StandardScaler(), est)


cases = []
for dataset, pre, model, est, kw in [
    ("iris", [{"type": "StandardScaler"}], {"class": "KNeighborsClassifier"}, scaled(KNeighborsClassifier()),
     {"n_repeats": 10, "random_state": 0, "scoring": "accuracy"}),
    ("iris", [{"type": "StandardScaler"}], {"class": "KNeighborsClassifier", "params": {"n_neighbors": 7}}, scaled(KNeighborsClassifier(n_neighbors=7)),
     {"n_repeats": 4, "random_state": 3, "scoring": "neg_log_loss", "max_samples": 0.5}),
    ("wine", [{"type": "StandardScaler"}], {"class": "KNeighborsClassifier", "params": {"weights": "distance"}},
     scaled(KNeighborsClassifier(weights="distance")), {"random_state": 11, "scoring": "f1_macro", "max_samples": 0.995}),
    ("diabetes", [], {"class": "KNeighborsRegressor"}, KNeighborsRegressor(),
     {"n_repeats": 5, "random_state": 1, "scoring": "r2", "max_samples": 440}),
    ("diabetes", [{"type": "StandardScaler"}], {"class": "KNeighborsRegressor", "params": {"n_neighbors": 3}},
     scaled(KNeighborsRegressor(n_neighbors=3)), {"n_repeats": 3, "random_state": 7, "scoring": "neg_mean_squared_error", "max_samples": 4}),
]:
    X, y = load(dataset)
    est.fit(X, y)
    spec = dict(kw)
    if isinstance(kw.get("max_samples"), float) and kw["max_samples"] > 1:
        raise SystemExit("fractions are at most 1")
    r = permutation_importance(est, X, y, **kw)
    cases.append({"dataset": dataset, "preprocess": pre, "model": model, "permutation_importance": spec,
                  "importances_mean": r.importances_mean.tolist(), "importances_std": r.importances_std.tolist(),
                  "importances": r.importances.tolist()})
with open(os.path.join(HERE, "permutation.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
