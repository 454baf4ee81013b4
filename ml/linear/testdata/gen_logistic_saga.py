#!/usr/bin/python3
"""Writes the scikit-learn reference values for the LogisticRegression saga
parity test (saga_test.go), and for class_weight with lbfgs, into sklearn_logistic_saga.json.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/linear/testdata/gen_logistic_saga.py

Each case fits on all rows of a built-in dataset (breast cancer standardised
with sklearn.preprocessing.scale, iris raw and standardised; labels encoded
in sorted order as testutil.LoadCSV does) and stores coef_, intercept_,
n_iter_, and predict_proba and predict on all rows.
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


S = {"solver": "saga"}
TIGHT = {"solver": "saga", "tol": 1e-8, "max_iter": 20000}
CASES = [
    # Default tolerance: the sample order is reproduced, so these compare closely.
    ("cancer_l1", "breast_cancer", True, dict(S, penalty="l1", random_state=0)),
    ("cancer_l2", "breast_cancer", True, dict(S, penalty="l2", C=0.5, random_state=3)),
    ("cancer_enet", "breast_cancer", True, dict(S, penalty="elasticnet", l1_ratio=0.5, C=0.3, random_state=7)),
    ("cancer_l1_balanced", "breast_cancer", True, dict(S, penalty="l1", class_weight="balanced", random_state=1)),
    ("cancer_l1_multinomial", "breast_cancer", True, dict(S, penalty="l1", multi_class="multinomial", C=0.2, random_state=2)),
    ("iris_l1", "iris", True, dict(S, penalty="l1", random_state=0)),
    ("iris_enet_ovr", "iris", True, dict(S, penalty="elasticnet", l1_ratio=0.3, multi_class="ovr", random_state=5)),
    ("iris_l1_weights", "iris", True, dict(S, penalty="l1", class_weight={"0": 2.0, "2": 0.5}, random_state=4)),
    ("iris_l1_balanced_ovr", "iris", True, dict(S, penalty="l1", class_weight="balanced", multi_class="ovr", C=0.5, random_state=6)),
    ("iris_raw_none", "iris", False, dict(S, penalty="none", max_iter=300, random_state=0)),
    ("iris_no_intercept", "iris", True, dict(S, penalty="l1", fit_intercept=False, random_state=0)),
    # Tight tolerance: the optimum itself.
    ("cancer_l1_tight", "breast_cancer", True, dict(TIGHT, penalty="l1", C=0.5, random_state=0)),
    ("iris_enet_tight", "iris", True, dict(TIGHT, penalty="elasticnet", l1_ratio=0.7, random_state=0)),
    # class_weight with lbfgs (weighted log-loss), at a tight tolerance.
    ("lbfgs_cancer_balanced", "breast_cancer", True, dict(solver="lbfgs", class_weight="balanced", tol=1e-10, max_iter=10000)),
    ("lbfgs_iris_weights", "iris", True, dict(solver="lbfgs", class_weight={"0": 2.0, "2": 0.5}, tol=1e-10, max_iter=10000)),
    ("lbfgs_iris_balanced_ovr", "iris", True, dict(solver="lbfgs", class_weight="balanced", multi_class="ovr", C=0.3, tol=1e-10, max_iter=10000)),
    ("lbfgs_iris_balanced", "iris", True, dict(solver="lbfgs", class_weight="balanced", tol=1e-10, max_iter=10000)),
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
        m = LogisticRegression(**kw).fit(X, y)
        out["cases"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "classes": m.classes_.tolist(), "coef": m.coef_.tolist(),
            "intercept": np.atleast_1d(m.intercept_).tolist(),
            "n_iter": [int(v) for v in np.atleast_1d(m.n_iter_)],
            "predict_proba": m.predict_proba(X).tolist(),
            "predict": m.predict(X).tolist(),
        })
    with open(os.path.join(HERE, "sklearn_logistic_saga.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
