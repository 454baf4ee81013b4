#!/usr/bin/python3
"""Writes precomputed.json: scikit-learn 1.2.1's DBSCAN(metric="precomputed")
on the Euclidean (and Manhattan) distances between the standardised rows of
iris and wine (every other row), rounded to 8 decimals (the matrices both
fits see), for precomputed_test.go: labels_ and core_sample_indices_, also
with sample weights; and AgglomerativeClustering(metric="precomputed") on
iris's: labels_, children_ and distances_.

Run from the repository root:

    /usr/bin/python3 ml/cluster/testdata/gen_precomputed.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, AgglomerativeClustering

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
assert sklearn.__version__.startswith("1.2"), sklearn.__version__


def load(name):
    with open(os.path.join(ROOT, "data/datasets", name + ".csv")) as f:
        lines = [l.split(",") for l in f.read().strip().split("\n")[1:]][::2]
    X = np.array([[float(v) for v in r[:-1]] for r in lines])
    return (X - X.mean(axis=0)) / X.std(axis=0)


cases = []
for name, data, kind, params, weighted in [
    ("iris_euclidean", "iris", "l2", {"eps": 0.6, "min_samples": 4}, False),
    ("iris_manhattan_weighted", "iris", "l1", {"eps": 1.2, "min_samples": 5}, True),
    ("wine_euclidean", "wine", "l2", {"eps": 2.4, "min_samples": 6}, False),
]:
    X = load(data)
    if kind == "l2":
        D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    else:
        D = np.abs(X[:, None, :] - X[None, :, :]).sum(-1)
    D = np.round(D, 8)
    w = np.round(np.random.RandomState(1).uniform(0.3, 2.0, len(X)), 3) if weighted else None
    db = DBSCAN(metric="precomputed", **params).fit(D, sample_weight=w)
    cases.append({"name": name, "params": params, "d": D.tolist(),
                  "sample_weight": None if w is None else w.tolist(),
                  "labels": db.labels_.tolist(), "core_sample_indices": db.core_sample_indices_.tolist()})
# AgglomerativeClustering(metric="precomputed") reads the upper triangle
# and goes to scipy's linkage for every linkage (single included).
X = load("iris")
D = np.round(np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)), 8)
agglo = []
for name, params in [("complete", {"linkage": "complete", "n_clusters": 3}),
                     ("average", {"linkage": "average", "n_clusters": 4}),
                     ("single_threshold", {"linkage": "single", "n_clusters": None, "distance_threshold": 0.5})]:
    ac = AgglomerativeClustering(metric="precomputed", compute_distances=True, **params).fit(D)
    agglo.append({"name": name, "params": params, "labels": ac.labels_.tolist(), "children": ac.children_.tolist(),
                  "distances": ac.distances_.tolist(), "n_clusters": int(ac.n_clusters_)})
with open(os.path.join(HERE, "precomputed.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases, "agglomerative_iris": {"d": D.tolist(), "cases": agglo}}, f)
    f.write("\n")
