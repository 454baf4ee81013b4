#!/usr/bin/python3
"""Writes the scikit-learn reference values for the RidgeClassifier parity
test (ridgeclf_test.go) into sklearn_ridgeclf.json.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/linear/testdata/gen_ridgeclf.py

Each case fits on all rows of a built-in dataset (raw features, labels
encoded in sorted order as testutil.LoadCSV does) and stores coef_,
intercept_, and decision_function and predict on all rows.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import RidgeClassifier

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


CASES = [
    ("iris_default", "iris", {}),
    ("iris_balanced_svd", "iris", {"alpha": 0.1, "solver": "svd", "class_weight": "balanced"}),
    ("wine_weights", "wine", {"alpha": 3.0, "class_weight": {"0": 2.0, "2": 0.5}}),
    ("wine_no_intercept", "wine", {"fit_intercept": False, "solver": "cholesky"}),
    ("cancer_default", "breast_cancer", {}),
    ("cancer_balanced", "breast_cancer", {"alpha": 10.0, "class_weight": "balanced"}),
]


def main():
    out = {"sklearn": sklearn.__version__, "cases": []}
    for name, data, params in CASES:
        X, y = load(data)
        kw = dict(params)
        if isinstance(kw.get("class_weight"), dict):
            kw["class_weight"] = {float(k): v for k, v in kw["class_weight"].items()}
        m = RidgeClassifier(**kw).fit(X, y)
        d = m.decision_function(X)
        out["cases"].append({
            "name": name, "data": data, "params": params,
            "classes": m.classes_.tolist(), "coef": m.coef_.tolist(),
            "intercept": np.atleast_1d(m.intercept_).tolist(),
            "decision_function": d.reshape(len(X), -1).tolist(),
            "predict": m.predict(X).tolist(), "score": float(m.score(X, y)),
        })
    with open(os.path.join(HERE, "sklearn_ridgeclf.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
