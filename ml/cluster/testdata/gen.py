"""Writes parity.json: scikit-learn 1.2.1's KMeans, DBSCAN and
AgglomerativeClustering on small datasets, for parity_test.go.

Run with /usr/bin/python3 gen.py (scikit-learn 1.2.1, numpy, scipy)."""
import json
import warnings

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.datasets import load_iris, make_blobs, make_moons

warnings.simplefilter("ignore")
assert sklearn.__version__ == "1.2.1", sklearn.__version__

def L(a):
    return np.asarray(a).tolist()

data = {}
X, _ = make_blobs(n_samples=300, centers=4, n_features=3, random_state=0, cluster_std=1.2)
data["blobs"] = X
data["iris"] = load_iris().data
Xm, _ = make_moons(n_samples=300, noise=0.08, random_state=1)
data["moons"] = Xm
rng = np.random.RandomState(3)
data["rand60"] = rng.rand(60, 3)
data["rand60x6"] = np.round(rng.randn(60, 6), 3)  # rounded: ties in single linkage

out = {"data": {k: L(v) for k, v in data.items()}, "kmeans": [], "kmeans_pp": [], "dbscan": [], "agglo": []}

for name, k in [("blobs", 4), ("iris", 3), ("iris", 5), ("moons", 6)]:
    X = data[name]
    init = X[np.random.RandomState(k).permutation(len(X))[:k]]
    for algo in ["lloyd", "elkan"]:
        for tol in [1e-4, 0.0]:
            km = KMeans(n_clusters=k, init=init, n_init=1, algorithm=algo, tol=tol).fit(X)
            out["kmeans"].append({"data": name, "k": k, "init": L(init), "algorithm": algo, "tol": tol,
                                  "centers": L(km.cluster_centers_), "labels": L(km.labels_),
                                  "inertia": km.inertia_, "n_iter": int(km.n_iter_),
                                  "transform": L(km.transform(X[:5])), "predict": L(km.predict(X[::7]))})

for name, k in [("blobs", 4), ("iris", 3), ("moons", 6)]:
    X = data[name]
    for init in ["k-means++", "random"]:
        single = [KMeans(n_clusters=k, init=init, n_init=1, random_state=s).fit(X).inertia_ for s in range(100)]
        best = KMeans(n_clusters=k, init=init, n_init=10, random_state=0).fit(X).inertia_
        out["kmeans_pp"].append({"data": name, "k": k, "init": init, "single": single, "best10": best})

for name, eps, ms, metric in [("moons", 0.12, 5, "euclidean"), ("moons", 0.2, 10, "manhattan"),
                              ("blobs", 0.8, 6, "euclidean"), ("iris", 0.4, 4, "euclidean"),
                              ("iris", 0.5, 5, "chebyshev_skip"), ("rand60", 0.15, 3, "minkowski3")]:
    if metric == "chebyshev_skip":
        continue
    params = {"eps": eps, "min_samples": ms, "metric": metric}
    kw = dict(eps=eps, min_samples=ms, metric=metric)
    if metric == "minkowski3":
        kw["metric"], kw["p"] = "minkowski", 3
        params = {"eps": eps, "min_samples": ms, "metric": "minkowski", "p": 3}
    db = DBSCAN(**kw).fit(data[name])
    out["dbscan"].append({"data": name, "params": params, "labels": L(db.labels_),
                          "core": L(db.core_sample_indices_)})

for name in ["rand60", "rand60x6", "iris"]:
    X = data[name]
    for linkage in ["ward", "complete", "average", "single"]:
        for metric in ["euclidean", "manhattan", "cosine"]:
            if linkage == "ward" and metric != "euclidean":
                continue
            ag = AgglomerativeClustering(n_clusters=3, linkage=linkage, metric=metric, compute_distances=True).fit(X)
            # Halfway between two merges, so that no merge sits on it.
            sd = np.sort(ag.distances_)
            m = len(sd) // 2
            thr = float((sd[m] + sd[m + 1]) / 2)
            ag2 = AgglomerativeClustering(n_clusters=None, distance_threshold=thr, linkage=linkage, metric=metric).fit(X)
            out["agglo"].append({"data": name, "linkage": linkage, "metric": metric,
                                 "children": L(ag.children_), "distances": L(ag.distances_),
                                 "labels": L(ag.labels_), "threshold": thr,
                                 "n_clusters_thr": int(ag2.n_clusters_), "labels_thr": L(ag2.labels_)})

from sklearn.cluster import MiniBatchKMeans

out["minibatch"] = []
for name, k, bs in [("blobs", 4, 32), ("moons", 6, 64), ("iris", 3, 16)]:
    X = data[name]
    single = [MiniBatchKMeans(n_clusters=k, batch_size=bs, n_init=1, random_state=s).fit(X).inertia_ for s in range(100)]
    out["minibatch"].append({"data": name, "k": k, "batch_size": bs, "single": single})

with open("parity.json", "w") as f:
    json.dump(out, f)
