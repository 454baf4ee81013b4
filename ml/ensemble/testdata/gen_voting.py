"""Write the scikit-learn reference fixtures for ml/ensemble's voting
ensembles.

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/ensemble/testdata/gen_voting.py

Datasets are split as the other fixtures (row i is a test row when
i % 4 == 0). Each case of voting_<dataset>.json holds the parameters as
mlforge takes them (members {"name", "class", "params"}) and, on the test
rows, predict, predict_proba (soft voting) and the score.
"""
import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))
CLASSES = {c.__name__: c for c in (LinearRegression, Ridge, GaussianNB, KNeighborsClassifier, KNeighborsRegressor,
                                   DecisionTreeClassifier, DecisionTreeRegressor)}


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


CLF_MEMBERS = [
    {"name": "tree", "class": "DecisionTreeClassifier", "params": {"max_depth": 3, "random_state": 0}},
    {"name": "knn", "class": "KNeighborsClassifier", "params": {"n_neighbors": 7}},
    {"name": "nb", "class": "GaussianNB"},
]
REG_MEMBERS = [
    {"name": "tree", "class": "DecisionTreeRegressor", "params": {"max_depth": 4, "random_state": 0}},
    {"name": "knn", "class": "KNeighborsRegressor", "params": {"n_neighbors": 9}},
    {"name": "ridge", "class": "Ridge", "params": {"alpha": 0.5}},
]
CLF_CASES = [
    {"estimators": CLF_MEMBERS},
    {"estimators": CLF_MEMBERS, "voting": "soft"},
    {"estimators": CLF_MEMBERS, "voting": "soft", "weights": [2.0, 1.0, 0.5]},
    {"estimators": CLF_MEMBERS, "weights": [1.0, 1.0, 3.0]},
]
REG_CASES = [
    {"estimators": REG_MEMBERS},
    {"estimators": REG_MEMBERS, "weights": [1.0, 2.0, 0.5]},
]


def fit_case(cls, params, X, y):
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    kw = dict(params)
    kw["estimators"] = [(e["name"], CLASSES[e["class"]](**e.get("params", {}))) for e in params["estimators"]]
    m = cls(**kw).fit(Xtr, ytr)
    out = {"estimator": cls.__name__, "params": params, "test_predict": m.predict(Xte).tolist(),
           "test_score": float(m.score(Xte, yte))}
    if params.get("voting") == "soft":
        out["test_proba"] = m.predict_proba(Xte).ravel().tolist()
    return out


DATASETS = [
    ("iris", "data/datasets/iris.csv", VotingClassifier),
    ("wine", "data/datasets/wine.csv", VotingClassifier),
    ("breast_cancer", "data/datasets/breast_cancer.csv", VotingClassifier),
    ("diabetes", "data/datasets/diabetes.csv", VotingRegressor),
]


def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    for name, path, cls in DATASETS:
        X, y = load(path)
        cases = CLF_CASES if cls is VotingClassifier else REG_CASES
        out = {"sklearn": sklearn.__version__, "dataset": path, "test_rows": "i % 4 == 0",
               "cases": [fit_case(cls, p, X, y) for p in cases]}
        with open(os.path.join(OUT, "voting_" + name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, [round(c["test_score"], 4) for c in out["cases"]], file=sys.stderr)


if __name__ == "__main__":
    main()
