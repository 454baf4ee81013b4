#!/usr/bin/python3
"""Writes precomputed.json: scikit-learn 1.2.1's KNeighborsClassifier,
KNeighborsRegressor, RadiusNeighborsClassifier and RadiusNeighborsRegressor
with metric="precomputed", for precomputed_test.go.

Each case keeps every stride-th row of a built-in dataset, standardises
them, splits them into the even rows (training) and the odd rows (test)
and computes the Euclidean distances in numpy, rounded to 8 decimals (the
matrices both fits see): D(train, train) to fit, D(test, train) to query.
It stores both, kneighbors (distances and indices) or radius_neighbors
(sorted) on the test distances, predict, and predict_proba for the
classifiers.

Run from the repository root:

    /usr/bin/python3 ml/neighbors/testdata/gen_precomputed.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.neighbors import (KNeighborsClassifier, KNeighborsRegressor,
                               RadiusNeighborsClassifier, RadiusNeighborsRegressor)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
assert sklearn.__version__.startswith("1.2"), sklearn.__version__


def load(name, stride):
    with open(os.path.join(ROOT, "data/datasets", name + ".csv")) as f:
        lines = [l.split(",") for l in f.read().strip().split("\n")[1:]][::stride]
    X = np.array([[float(v) for v in r[:-1]] for r in lines])
    t = [r[-1].strip() for r in lines]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        names = sorted(set(t))
        y = np.array([float(names.index(v)) for v in t])
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X[0::2].copy(), y[0::2].copy(), X[1::2].copy(), y[1::2].copy()


def dist(A, B):
    d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T
    return np.round(np.sqrt(np.maximum(d, 0)), 8)


CASES = [
    ("knc_wine_uniform", KNeighborsClassifier, "wine", 2, {"n_neighbors": 5}),
    ("knc_wine_distance", KNeighborsClassifier, "wine", 2, {"n_neighbors": 7, "weights": "distance"}),
    ("knr_diabetes_distance", KNeighborsRegressor, "diabetes", 3, {"n_neighbors": 4, "weights": "distance"}),
    ("rnc_wine", RadiusNeighborsClassifier, "wine", 2, {"radius": 3.5, "outlier_label": "most_frequent"}),
    ("rnr_diabetes", RadiusNeighborsRegressor, "diabetes", 3, {"radius": 4.5, "weights": "distance"}),
]

out, tables = [], {}
for name, cls, data, stride, params in CASES:
    Xtr, ytr, Xte, yte = load(data, stride)
    Dtr, Dte = dist(Xtr, Xtr), dist(Xte, Xtr)
    tables[data] = {"y_train": ytr.tolist(), "d_train": Dtr.tolist(), "d_test": Dte.tolist()}
    est = cls(metric="precomputed", **params).fit(Dtr, ytr)
    c = {"name": name, "class": cls.__name__, "params": params, "table": data, "predict": est.predict(Dte).tolist(),
         "fit_method": est._fit_method, "effective_metric": est.effective_metric_}
    if hasattr(est, "kneighbors"):
        d, i = est.kneighbors(Dte)
        c["kneighbors_dist"], c["kneighbors_ind"] = d.tolist(), i.tolist()
        d, i = est.kneighbors()  # the training points' own neighbours
        c["self_dist"], c["self_ind"] = d.tolist(), i.tolist()
    else:
        d, i = est.radius_neighbors(Dte, sort_results=True)
        c["radius_dist"], c["radius_ind"] = [x.tolist() for x in d], [x.tolist() for x in i]
    if hasattr(est, "predict_proba"):
        c["predict_proba"] = est.predict_proba(Dte).tolist()
    out.append(c)

with open(os.path.join(HERE, "precomputed.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "tables": tables, "cases": out}, f, allow_nan=False)
    f.write("\n")
