"""Write the scikit-learn reference fixtures for ml/ensemble's stacking
ensembles.

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/ensemble/testdata/gen_stacking.py

Datasets are split as the other fixtures (row i is a test row when
i % 4 == 0). Each case of stacking_<dataset>.json holds the parameters as
mlforge takes them, the final estimator's training input (the members'
cross-validated outputs, from cross_val_predict with the same folds), the
stacked outputs on the test rows (transform), and the test predict,
predict_proba and score. StackingRegressor is given Ridge as its final
estimator, mlforge's default (scikit-learn's is RidgeCV).
"""
import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import StackingClassifier, StackingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))
CLASSES = {c.__name__: c for c in (LogisticRegression, Ridge, GaussianNB, KNeighborsClassifier, KNeighborsRegressor,
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
]
CLF_CASES = [
    {"estimators": CLF_MEMBERS},
    {"estimators": CLF_MEMBERS, "cv": 3, "stack_method": "predict"},
]
REG_CASES = [
    {"estimators": REG_MEMBERS},
    {"estimators": REG_MEMBERS, "cv": 4, "passthrough": True},
]


def build(e):
    return CLASSES[e["class"]](**e.get("params", {}))


def fit_case(cls, params, X, y):
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    kw = dict(params)
    kw["estimators"] = [(e["name"], build(e)) for e in params["estimators"]]
    cv = kw.get("cv", 5)
    if cls is StackingRegressor:
        kw["final_estimator"] = Ridge()
    m = cls(**kw).fit(Xtr, ytr)
    # The final estimator's training input, as fit builds it.
    yenc = np.unique(ytr, return_inverse=True)[1] if cls is StackingClassifier else ytr
    folds = StratifiedKFold(cv) if cls is StackingClassifier else KFold(cv)
    meta = []
    for (name, est), meth in zip(kw["estimators"], m.stack_method_):
        p = cross_val_predict(est, Xtr, yenc, cv=folds, method=meth)
        if p.ndim == 1:
            p = p.reshape(-1, 1)
        elif meth == "predict_proba" and len(m.classes_ if hasattr(m, "classes_") else []) == 2:
            p = p[:, 1:]
        meta.append(p)
    if params.get("passthrough"):
        meta.append(Xtr)
    meta = np.hstack(meta)
    out = {"estimator": cls.__name__, "params": params, "stack_methods": list(m.stack_method_),
           "train_meta": meta.ravel().tolist(), "meta_cols": int(meta.shape[1]),
           "test_transform": m.transform(Xte).ravel().tolist(),
           "test_predict": m.predict(Xte).tolist(), "test_score": float(m.score(Xte, yte))}
    if cls is StackingClassifier:
        out["test_proba"] = m.predict_proba(Xte).ravel().tolist()
    return out


DATASETS = [
    ("iris", "data/datasets/iris.csv", StackingClassifier),
    ("breast_cancer", "data/datasets/breast_cancer.csv", StackingClassifier),
    ("diabetes", "data/datasets/diabetes.csv", StackingRegressor),
]


def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    for name, path, cls in DATASETS:
        X, y = load(path)
        cases = CLF_CASES if cls is StackingClassifier else REG_CASES
        out = {"sklearn": sklearn.__version__, "dataset": path, "test_rows": "i % 4 == 0",
               "cases": [fit_case(cls, p, X, y) for p in cases]}
        with open(os.path.join(OUT, "stacking_" + name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, [round(c["test_score"], 4) for c in out["cases"]], file=sys.stderr)


if __name__ == "__main__":
    main()
