"""Writes parity.json: scikit-learn 1.2.1's PCA on small datasets, for
parity_test.go. Run with /usr/bin/python3 gen.py."""
import json

import numpy as np
import sklearn
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.decomposition import PCA

assert sklearn.__version__ == "1.2.1", sklearn.__version__

rng = np.random.RandomState(0)
lowrank = rng.randn(600, 5) @ rng.randn(5, 30) + 0.01 * rng.randn(600, 30)
data = {"iris": load_iris().data, "wine": load_wine().data, "digits": load_digits().data[:300],
        "wide": rng.randn(20, 40), "lowrank": lowrank}
# Like bench/classic's wide20k (rank 20 plus noise, n_components 10, which
# svd_solver "auto" sends to the randomized solver), 600 rows rounded to
# 3 decimals to keep the fixture small (drawn after the others, which stay
# as they were).
data["wide20"] = np.round(rng.randn(600, 20) @ rng.randn(20, 50) + 0.1 * rng.randn(600, 50), 3)
cases = []
for name, params in [("iris", {}), ("iris", {"n_components": 2}), ("iris", {"n_components": 2, "whiten": True}),
                     ("wine", {"n_components": 0.95}), ("wine", {"n_components": "mle"}),
                     ("digits", {"n_components": 0.8}), ("digits", {"n_components": "mle"}),
                     ("digits", {"n_components": 10, "svd_solver": "full"}),
                     ("wide", {}), ("wide", {"n_components": 5}),
                     ("lowrank", {"n_components": 5, "svd_solver": "randomized", "random_state": 0}),
                     ("lowrank", {"n_components": 3}),
                     ("wide20", {"n_components": 10, "random_state": 0}),
                     ("wide20", {"n_components": 10, "svd_solver": "randomized", "random_state": 0}),
                     ("wide20", {"n_components": 10, "svd_solver": "arpack", "random_state": 0}),
                     ("lowrank", {"svd_solver": "arpack", "random_state": 0})]:
    X = data[name]
    p = PCA(**params).fit(X)
    cases.append({"data": name, "params": params, "X": X.tolist(),
                  "components": p.components_.tolist(), "explained_variance": p.explained_variance_.tolist(),
                  "explained_variance_ratio": p.explained_variance_ratio_.tolist(),
                  "singular_values": p.singular_values_.tolist(), "mean": p.mean_.tolist(),
                  "noise_variance": float(p.noise_variance_), "n_components": int(p.n_components_),
                  "transform": p.transform(X[:10]).tolist(),
                  "inverse": p.inverse_transform(p.transform(X[:10])).tolist()})
with open("parity.json", "w") as f:
    json.dump(cases, f)

# TruncatedSVD: arpack (exact) and randomized on data with a spectral gap.
from sklearn.decomposition import TruncatedSVD

tcases = []
for name, params in [("iris", {"n_components": 2, "algorithm": "arpack"}), ("wine", {"n_components": 3, "algorithm": "arpack"}),
                     ("lowrank", {"n_components": 5, "random_state": 0}), ("lowrank", {"n_components": 5, "n_iter": 7, "random_state": 1})]:
    X = data[name]
    t = TruncatedSVD(**params).fit(X)
    tcases.append({"data": name, "params": params, "X": X.tolist(), "components": t.components_.tolist(),
                   "explained_variance": t.explained_variance_.tolist(),
                   "explained_variance_ratio": t.explained_variance_ratio_.tolist(),
                   "singular_values": t.singular_values_.tolist(), "transform": t.transform(X[:10]).tolist()})
with open("truncated.json", "w") as f:
    json.dump(tcases, f)
