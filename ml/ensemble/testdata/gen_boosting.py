"""Write the scikit-learn reference fixtures for ml/ensemble's gradient
boosting.

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/ensemble/testdata/gen_boosting.py

Datasets are split as the other fixtures: row i is a test row when
i % 4 == 0. For each case it writes to boosting_<dataset>.json the initial
raw prediction, the number of stages fitted (n_estimators_, fewer with early
stopping), train_score_, oob_improvement_ (subsample < 1),
feature_importances_, and on the test rows decision_function (the raw
predictions of a regressor: predict), predict_proba, predict and the score.
"""
import csv
import json
import os
import gzip
import sys

import numpy as np
import sklearn
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(os.path.join(ROOT, path), "rt") as f:
        rows = list(csv.reader(f))[1:]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    raw = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in raw])
    except ValueError:
        names = sorted(set(raw))
        y = np.array([float(names.index(v)) for v in raw])
    return X, y


CLF_CASES = [
    {},
    {"learning_rate": 0.3, "max_depth": 2, "n_estimators": 50},
    {"subsample": 0.7, "n_estimators": 50, "random_state": 1},
    {"max_features": "sqrt", "n_estimators": 50, "random_state": 2},
    {"n_iter_no_change": 5, "validation_fraction": 0.2, "random_state": 3},
    {"init": "zero", "n_estimators": 30},
    {"criterion": "squared_error", "min_samples_leaf": 5, "max_leaf_nodes": 6, "n_estimators": 50},
]
BINARY_CASES = [{"loss": "exponential", "n_estimators": 50}, {"loss": "exponential", "subsample": 0.8, "n_estimators": 30, "random_state": 5}]
REG_CASES = [
    {},
    {"loss": "absolute_error"},
    {"loss": "huber", "alpha": 0.8},
    {"loss": "quantile", "alpha": 0.3},
    {"subsample": 0.5, "random_state": 0},
    {"n_iter_no_change": 3, "random_state": 1},
    {"max_features": 0.5, "learning_rate": 0.05, "random_state": 4},
    {"init": "zero", "loss": "huber", "n_estimators": 50},
    {"loss": "absolute_error", "subsample": 0.6, "max_depth": 4, "n_estimators": 40, "random_state": 6},
]


def fit_case(cls, params, X, y, proba=True):
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    params = dict(params)
    params.setdefault("random_state", 0)
    m = cls(**params).fit(Xtr, ytr)
    out = {
        "estimator": cls.__name__,
        "params": params,
        "init": m._raw_predict_init(Xte[:1].astype(np.float32))[0].tolist(),
        "n_estimators_fitted": int(m.n_estimators_),
        "train_score": m.train_score_.tolist(),
        "feature_importances": m.feature_importances_.tolist(),
        "test_predict": m.predict(Xte).tolist(),
        "test_score": float(m.score(Xte, yte)),
    }
    if hasattr(m, "oob_improvement_"):
        out["oob_improvement"] = m.oob_improvement_.tolist()
    if cls is GradientBoostingClassifier:
        out["test_decision"] = np.asarray(m.decision_function(Xte)).ravel().tolist()
        if proba:
            out["test_proba"] = m.predict_proba(Xte).ravel().tolist()
    return out


DATASETS = [
    ("iris", "data/datasets/iris.csv", GradientBoostingClassifier),
    ("wine", "data/datasets/wine.csv", GradientBoostingClassifier),
    ("breast_cancer", "data/datasets/breast_cancer.csv", GradientBoostingClassifier),
    ("digits", "data/datasets/digits.csv", GradientBoostingClassifier),
    ("diabetes", "data/datasets/diabetes.csv", GradientBoostingRegressor),
    ("classification_10k", "testdata/synthetic/classification_10k.csv.gz", GradientBoostingClassifier),
    ("regression_10k", "testdata/synthetic/regression_10k.csv.gz", GradientBoostingRegressor),
]


def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    only = set(sys.argv[1:])
    for name, path, cls in DATASETS:
        if only and name not in only:
            continue
        X, y = load(path)
        if cls is GradientBoostingClassifier:
            cases = CLF_CASES + (BINARY_CASES if len(set(y)) == 2 else [])
        else:
            cases = REG_CASES
        if name == "digits":
            # 10 trees a stage: fewer stages keep the test fast.
            cases = [dict(c, n_estimators=min(c.get("n_estimators", 100), 20)) for c in cases]
        if name.endswith("_10k"):
            cases = [dict(c, n_estimators=20) for c in cases[:3]]
        out = {"sklearn": sklearn.__version__, "dataset": path, "test_rows": "i % 4 == 0",
               "cases": [fit_case(cls, p, X, y, proba=not name.endswith("_10k")) for p in cases]}
        with open(os.path.join(OUT, "boosting_" + name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, [(c["n_estimators_fitted"], round(c["test_score"], 4)) for c in out["cases"]], file=sys.stderr)


if __name__ == "__main__":
    main()
