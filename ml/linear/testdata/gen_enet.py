#!/usr/bin/python3
"""Writes the scikit-learn reference values for the Lasso and ElasticNet
parity tests (enet_parity_test.go) into sklearn_enet.json.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/linear/testdata/gen_enet.py

Data: diabetes (raw, unscaled, all 442 rows) and a synthetic 20,000 x 20
regression set drawn from splitmix64 (so Go rebuilds it exactly, see
synthEnet in enet_parity_test.go): x = 2u - 1, y = x·beta + 0.5·(2u - 1)
with beta_j = (j+1)/4 for even j and 0 for odd j. Every case fits on all
rows and stores coef_, intercept_, n_iter_, dual_gap_ and the predictions
on the first 100 rows.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import ElasticNet, Lasso

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
MASK = (1 << 64) - 1


def splitmix(seed, count):
    out = np.empty(count)
    s = seed
    for i in range(count):
        s = (s + 0x9E3779B97F4A7C15) & MASK
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z = z ^ (z >> 31)
        out[i] = (z >> 11) * (2.0 ** -53)
    return out


def synth(n, p, seed):
    u = splitmix(seed, n * (p + 1)).reshape(n, p + 1)
    X = 2 * u[:, :p] - 1
    beta = np.array([(j + 1) / 4 if j % 2 == 0 else 0.0 for j in range(p)])
    y = X @ beta + 0.5 * (2 * u[:, p] - 1)
    return X, y


def diabetes():
    with open(os.path.join(ROOT, "data/datasets/diabetes.csv")) as f:
        rows = [l.split(",") for l in f.read().strip().split("\n")[1:]]
    a = np.array([[float(v) for v in r] for r in rows])
    return a[:, :-1], a[:, -1]


CASES = [
    ("lasso_default", "Lasso", "diabetes", {}),
    ("lasso_0.1", "Lasso", "diabetes", {"alpha": 0.1}),
    ("lasso_positive", "Lasso", "diabetes", {"alpha": 0.5, "positive": True}),
    ("lasso_no_intercept", "Lasso", "diabetes", {"alpha": 0.3, "fit_intercept": False}),
    ("lasso_maxiter", "Lasso", "diabetes", {"alpha": 0.01, "max_iter": 5}),
    ("enet_default", "ElasticNet", "diabetes", {}),
    ("enet_0.7", "ElasticNet", "diabetes", {"alpha": 0.05, "l1_ratio": 0.7}),
    ("enet_ridge", "ElasticNet", "diabetes", {"alpha": 0.01, "l1_ratio": 0.0}),
    ("enet_random", "ElasticNet", "diabetes", {"alpha": 0.05, "l1_ratio": 0.7, "selection": "random", "random_state": 0, "tol": 1e-8, "max_iter": 100000}),
    ("lasso_synth", "Lasso", "synth", {"alpha": 0.01}),
    ("enet_synth", "ElasticNet", "synth", {"alpha": 0.02, "l1_ratio": 0.5}),
]


def main():
    data = {"diabetes": diabetes(), "synth": synth(20000, 20, 42)}
    out = {"sklearn": sklearn.__version__, "synth": {"n": 20000, "p": 20, "seed": 42}, "cases": []}
    for name, cls, d, params in CASES:
        X, y = data[d]
        m = {"Lasso": Lasso, "ElasticNet": ElasticNet}[cls](**params)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(X, y)
        out["cases"].append({
            "name": name, "class": cls, "data": d, "params": params,
            "coef": m.coef_.tolist(), "intercept": float(m.intercept_),
            "n_iter": int(m.n_iter_), "dual_gap": float(m.dual_gap_),
            "predict": m.predict(X[:100]).tolist(), "score": float(m.score(X, y)),
        })
    with open(os.path.join(HERE, "sklearn_enet.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
