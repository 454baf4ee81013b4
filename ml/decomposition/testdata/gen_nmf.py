"""Writes nmf.json: scikit-learn 1.2.1's NMF on small non-negative data,
for nmf_test.go. Run with /usr/bin/python3 gen_nmf.py."""
import json
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.decomposition import NMF

assert sklearn.__version__ == "1.2.1", sklearn.__version__
warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter, FutureWarning

rng = np.random.RandomState(0)
data = {"iris": load_iris().data, "wine": load_wine().data[:60],
        "digits": load_digits().data[:300], "small": np.abs(rng.randn(30, 8))}
cases = []
for name, params in [
        ("iris", {"n_components": 2}),
        ("iris", {"n_components": 3, "init": "nndsvd"}),
        ("iris", {"n_components": 3, "init": "nndsvdar", "random_state": 3}),
        ("iris", {"n_components": 3, "init": "random", "random_state": 0}),
        ("small", {"n_components": 4, "init": "random", "random_state": 7, "shuffle": True}),
        ("small", {"n_components": 3, "alpha_W": 0.01, "l1_ratio": 0.5}),
        ("small", {"n_components": 3, "alpha_W": 0.02, "alpha_H": 0.0}),
        ("small", {"n_components": 10, "init": "random", "random_state": 1}),
        ("wine", {}),
        ("iris", {"n_components": 2, "solver": "mu"}),
        ("iris", {"n_components": 3, "solver": "mu", "beta_loss": "kullback-leibler", "max_iter": 500}),
        ("iris", {"n_components": 2, "solver": "mu", "beta_loss": "itakura-saito", "init": "random", "random_state": 2}),
        ("small", {"n_components": 3, "solver": "mu", "beta_loss": "kullback-leibler", "alpha_W": 0.01, "l1_ratio": 0.3}),
        ("digits", {"n_components": 10, "max_iter": 400}),
        ("digits", {"n_components": 10, "solver": "mu", "init": "nndsvda", "max_iter": 300}),
]:
    X = data[name]
    m = NMF(**params)
    W = m.fit_transform(X)
    cases.append({"data": name, "params": params, "X": X.tolist(),
                  "components": m.components_.tolist(), "reconstruction_err": float(m.reconstruction_err_),
                  "n_iter": int(m.n_iter_), "W": W[:10].tolist(),
                  "transform": m.transform(X[:10]).tolist(),
                  "inverse": m.inverse_transform(m.transform(X[:10])).tolist()})
with open("nmf.json", "w") as f:
    json.dump(cases, f)
