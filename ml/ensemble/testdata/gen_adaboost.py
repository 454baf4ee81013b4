"""Write the scikit-learn reference fixtures for ml/ensemble's AdaBoost.

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/ensemble/testdata/gen_adaboost.py

Datasets are split as the other fixtures (row i is a test row when
i % 4 == 0). Each case of adaboost_<dataset>.json holds the parameters as
mlforge takes them (an "estimator" is {"class", "params"}), the number of
estimators fitted, estimator_weights_, estimator_errors_,
feature_importances_, and on the test rows predict, decision_function and
predict_proba (classifiers) and the score.
"""
import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))
TREES = {"DecisionTreeClassifier": DecisionTreeClassifier, "DecisionTreeRegressor": DecisionTreeRegressor}


def load(path):
    with open(os.path.join(ROOT, path)) as f:
        rows = list(csv.reader(f))[1:]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    raw = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in raw])
    except ValueError:
        names = sorted(set(raw))
        y = np.array([float(names.index(v)) for v in raw])
    return X, y


def stump(cls, **p):
    return {"class": cls, "params": p}


CLF_CASES = [
    {},
    {"algorithm": "SAMME"},
    {"n_estimators": 30, "learning_rate": 0.5},
    {"estimator": stump("DecisionTreeClassifier", max_depth=2), "algorithm": "SAMME", "n_estimators": 20},
    {"estimator": stump("DecisionTreeClassifier", max_depth=2, max_features="sqrt"), "n_estimators": 20, "random_state": 3},
]
REG_CASES = [
    {},
    {"loss": "square"},
    {"loss": "exponential", "learning_rate": 0.5},
    {"estimator": stump("DecisionTreeRegressor", max_depth=2), "n_estimators": 20, "random_state": 5},
]


def fit_case(cls, params, X, y):
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    params = dict(params)
    params.setdefault("random_state", 0)
    kw = dict(params)
    if "estimator" in kw:
        e = kw["estimator"]
        kw["estimator"] = TREES[e["class"]](**e["params"])
    m = cls(**kw).fit(Xtr, ytr)
    out = {
        "estimator": cls.__name__,
        "params": params,
        "n_fitted": len(m.estimators_),
        "estimator_weights": m.estimator_weights_.tolist(),
        "estimator_errors": m.estimator_errors_.tolist(),
        "feature_importances": m.feature_importances_.tolist(),
        "test_predict": m.predict(Xte).tolist(),
        "test_score": float(m.score(Xte, yte)),
    }
    if cls is AdaBoostClassifier:
        out["test_decision"] = np.asarray(m.decision_function(Xte)).ravel().tolist()
        out["test_proba"] = m.predict_proba(Xte).ravel().tolist()
    return out


DATASETS = [
    ("iris", "data/datasets/iris.csv", AdaBoostClassifier),
    ("wine", "data/datasets/wine.csv", AdaBoostClassifier),
    ("breast_cancer", "data/datasets/breast_cancer.csv", AdaBoostClassifier),
    ("digits", "data/datasets/digits.csv", AdaBoostClassifier),
    ("diabetes", "data/datasets/diabetes.csv", AdaBoostRegressor),
]


def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    for name, path, cls in DATASETS:
        X, y = load(path)
        cases = CLF_CASES if cls is AdaBoostClassifier else REG_CASES
        out = {"sklearn": sklearn.__version__, "dataset": path, "test_rows": "i % 4 == 0",
               "cases": [fit_case(cls, p, X, y) for p in cases]}
        with open(os.path.join(OUT, "adaboost_" + name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, [(c["n_fitted"], round(c["test_score"], 4)) for c in out["cases"]], file=sys.stderr)


if __name__ == "__main__":
    main()
