"""Writes meanshift.json: scikit-learn 1.2.1's MeanShift (and
estimate_bandwidth) and SpectralClustering on small datasets, for
meanshift_test.go and spectral_test.go.

Run with /usr/bin/python3 gen_meanshift.py (scikit-learn 1.2.1, numpy)."""
import json
import warnings

import numpy as np
import sklearn
from sklearn.cluster import MeanShift, SpectralClustering, estimate_bandwidth
from sklearn.datasets import load_iris, make_blobs, make_circles, make_moons
from sklearn.metrics import adjusted_rand_score

warnings.simplefilter("ignore")
assert sklearn.__version__ == "1.2.1", sklearn.__version__


def L(a):
    return np.asarray(a).tolist()


data, truth = {}, {}
X, y = make_blobs(n_samples=200, centers=4, n_features=2, random_state=0, cluster_std=0.8)
data["blobs"], truth["blobs"] = X, y
data["iris"], truth["iris"] = load_iris().data, load_iris().target
X, y = make_blobs(n_samples=150, centers=[[0, 0, 0], [6, 0, 0], [0, 6, 0]], cluster_std=0.6, random_state=2)
data["far3"], truth["far3"] = X, y
X, y = make_moons(n_samples=200, noise=0.05, random_state=0)
data["moons"], truth["moons"] = X, y
X, y = make_circles(n_samples=200, factor=0.4, noise=0.04, random_state=1)
data["circles"], truth["circles"] = X, y

out = {"data": {k: L(v) for k, v in data.items()}, "truth": {k: L(v) for k, v in truth.items()},
       "bandwidth": [], "meanshift": [], "spectral": []}

for name in ["blobs", "iris", "moons"]:
    for q in [0.3, 0.1, 0.5]:
        out["bandwidth"].append({"data": name, "quantile": q, "bandwidth": estimate_bandwidth(data[name], quantile=q)})

cases = [
    ("blobs", {}),
    ("blobs", {"bin_seeding": True}),
    ("blobs", {"bandwidth": 1.0, "cluster_all": False}),
    ("blobs", {"bandwidth": 0.7, "bin_seeding": True, "min_bin_freq": 3}),
    ("iris", {}),
    ("iris", {"bandwidth": 0.6, "cluster_all": False}),
    ("iris", {"bandwidth": 0.9, "bin_seeding": True}),
    ("moons", {"bandwidth": 0.4, "max_iter": 5}),
    ("far3", {"seeds": [[0.5, 0.5, 0.5], [5, 1, 0], [1, 5, 1], [30, 30, 30]]}),
]
for name, params in cases:
    X = data[name]
    ms = MeanShift(**params).fit(X)
    probe = X[::9] + 0.05
    out["meanshift"].append({"data": name, "params": params, "centers": L(ms.cluster_centers_),
                             "labels": L(ms.labels_), "n_iter": int(ms.n_iter_),
                             "predict": L(ms.predict(probe))})

scases = [
    ("far3", {"n_clusters": 3, "random_state": 0}),
    ("far3", {"n_clusters": 3, "assign_labels": "discretize", "random_state": 0}),
    ("far3", {"n_clusters": 3, "assign_labels": "cluster_qr"}),
    ("blobs", {"n_clusters": 4, "gamma": 0.5, "random_state": 0}),
    ("moons", {"n_clusters": 2, "affinity": "nearest_neighbors", "n_neighbors": 10, "random_state": 0}),
    ("moons", {"n_clusters": 2, "affinity": "nearest_neighbors", "assign_labels": "discretize", "random_state": 0}),
    ("circles", {"n_clusters": 2, "affinity": "nearest_neighbors", "n_neighbors": 8, "assign_labels": "cluster_qr"}),
    ("circles", {"n_clusters": 2, "gamma": 20.0, "random_state": 0}),
]
for name, params in scases:
    X = data[name]
    sc = SpectralClustering(**params).fit(X)
    out["spectral"].append({"data": name, "params": params, "labels": L(sc.labels_),
                            "ari_truth": adjusted_rand_score(truth[name], sc.labels_)})

with open("meanshift.json", "w") as f:
    json.dump(out, f)
