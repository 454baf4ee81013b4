"""Writes cluster.json: scikit-learn 1.2.1's clustering metrics on a few
labelings, for cluster_test.go. Run with /usr/bin/python3 gen_cluster.py."""
import json
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M
from sklearn.datasets import load_iris, make_blobs

assert sklearn.__version__ == "1.2.1", sklearn.__version__
warnings.simplefilter("ignore")  # the -7.5 offset labels read as "continuous"

rng = np.random.RandomState(0)
cases = []
X, yb = make_blobs(n_samples=200, centers=4, n_features=3, random_state=1)
iris = load_iris()
pairs = [
    ("random", rng.randint(0, 4, 300).astype(float), rng.randint(0, 5, 300).astype(float), None),
    ("near", yb.astype(float), np.where(rng.rand(200) < 0.1, rng.randint(0, 4, 200), yb).astype(float), X),
    ("same_renamed", yb.astype(float), (3 - yb) * 2.5, X),
    ("one_cluster", yb.astype(float), np.zeros(200), None),
    ("all_singletons", np.arange(50, dtype=float), np.arange(50, dtype=float) * 2, None),
    ("iris_k", iris.target.astype(float), np.array([0 if v < 2.5 else (1 if v < 5 else 2) for v in iris.data[:, 2]], float), iris.data),
    ("big_labels", rng.randint(0, 30, 1000).astype(float), rng.randint(0, 20, 1000).astype(float) - 7.5, None),
]
for name, t, p, Xc in pairs:
    c = {"name": name, "true": t.tolist(), "pred": p.tolist(),
         "adjusted_rand": M.adjusted_rand_score(t, p), "rand": M.rand_score(t, p),
         "mutual_info": M.mutual_info_score(t, p),
         "fowlkes_mallows": M.fowlkes_mallows_score(t, p)}
    h, co, v = M.homogeneity_completeness_v_measure(t, p)
    c.update(homogeneity=h, completeness=co, v_measure=v,
             v_measure_beta2=M.v_measure_score(t, p, beta=2.0))
    for avg in ["arithmetic", "geometric", "min", "max"]:
        c["nmi_" + avg] = M.normalized_mutual_info_score(t, p, average_method=avg)
        c["ami_" + avg] = M.adjusted_mutual_info_score(t, p, average_method=avg)
    if Xc is not None:
        c["X"] = Xc.tolist()
        for lab in ["true", "pred"]:
            L = t if lab == "true" else p
            c["silhouette_" + lab] = M.silhouette_score(Xc, L)
            c["silhouette_manhattan_" + lab] = M.silhouette_score(Xc, L, metric="manhattan")
            c["silhouette_samples_" + lab] = M.silhouette_samples(Xc, L).tolist()
            c["calinski_harabasz_" + lab] = M.calinski_harabasz_score(Xc, L)
            c["davies_bouldin_" + lab] = M.davies_bouldin_score(Xc, L)
    cases.append(c)
with open("cluster.json", "w") as f:
    json.dump(cases, f)
