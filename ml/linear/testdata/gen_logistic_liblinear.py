#!/usr/bin/python3
"""Writes the scikit-learn reference values for the LogisticRegression
liblinear parity test (liblinear_test.go) into sklearn_logistic_liblinear.json.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/linear/testdata/gen_logistic_liblinear.py

Each case fits LogisticRegression(solver="liblinear", ...) on all rows of a
built-in dataset (standardised with sklearn.preprocessing.scale where
"scaled"; labels encoded in sorted order as testutil.LoadCSV does) and stores
coef_, intercept_, n_iter_, and predict_proba and predict on all rows.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import scale

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def load(name):
    with open(os.path.join(ROOT, "data/datasets", name + ".csv")) as f:
        rows = [l.split(",") for l in f.read().strip().split("\n")[1:]]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    t = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        names = sorted(set(t))
        y = np.array([float(names.index(v)) for v in t])
    return X, y


L = {"solver": "liblinear"}
CASES = [
    # Primal l2 (TRON): no randomness.
    ("cancer_l2", "breast_cancer", True, dict(L)),
    ("cancer_l2_balanced", "breast_cancer", True, dict(L, C=0.3, class_weight="balanced")),
    ("cancer_raw_l2_maxiter", "breast_cancer", False, dict(L, max_iter=3)),
    ("iris_raw_l2", "iris", False, dict(L)),
    ("iris_l2_scaling", "iris", True, dict(L, intercept_scaling=3.0, C=2.0)),
    ("wine_l2_weights", "wine", True, dict(L, class_weight={"0": 2.0, "2": 0.5})),
    ("wine_l2_no_intercept", "wine", True, dict(L, fit_intercept=False, tol=1e-6)),
    # Dual l2: liblinear's shuffled coordinate descent.
    ("cancer_dual", "breast_cancer", True, dict(L, dual=True, random_state=0)),
    ("cancer_dual_seed", "breast_cancer", True, dict(L, dual=True, C=0.5, random_state=42)),
    ("iris_dual_balanced", "iris", True, dict(L, dual=True, class_weight="balanced", random_state=3)),
    ("wine_dual_scaling", "wine", True, dict(L, dual=True, intercept_scaling=0.5, random_state=7)),
    ("iris_raw_dual_maxiter", "iris", False, dict(L, dual=True, max_iter=5, random_state=1)),
    # l1: newGLMNET with shuffled coordinate descent inside.
    ("cancer_l1", "breast_cancer", True, dict(L, penalty="l1", random_state=0)),
    ("cancer_l1_small_c", "breast_cancer", True, dict(L, penalty="l1", C=0.05, random_state=5)),
    ("iris_l1", "iris", True, dict(L, penalty="l1", random_state=2)),
    ("iris_raw_l1_weights", "iris", False, dict(L, penalty="l1", class_weight={"1": 3.0}, random_state=0)),
    ("wine_l1", "wine", True, dict(L, penalty="l1", C=0.5, intercept_scaling=2.0, random_state=9)),
    ("wine_l1_balanced_ovr", "wine", True, dict(L, penalty="l1", class_weight="balanced", multi_class="ovr", random_state=4)),
    # Tight tolerance: the optimum itself.
    ("cancer_dual_tight", "breast_cancer", True, dict(L, dual=True, tol=1e-10, max_iter=100000, random_state=0)),
    ("iris_l1_tight", "iris", True, dict(L, penalty="l1", tol=1e-10, max_iter=10000, random_state=0)),
]


def main():
    out = {"sklearn": sklearn.__version__, "cases": []}
    for name, data, scaled, params in CASES:
        X, y = load(data)
        if scaled:
            X = scale(X)
        kw = dict(params)
        if isinstance(kw.get("class_weight"), dict):
            kw["class_weight"] = {float(k): v for k, v in kw["class_weight"].items()}
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = LogisticRegression(**kw).fit(X, y)
        out["cases"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "classes": m.classes_.tolist(), "coef": m.coef_.tolist(),
            "intercept": np.atleast_1d(m.intercept_).tolist(),
            "n_iter": [int(v) for v in np.atleast_1d(m.n_iter_)],
            "predict_proba": m.predict_proba(X).tolist(),
            "predict": m.predict(X).tolist(),
        })
    with open(os.path.join(HERE, "sklearn_logistic_liblinear.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
