#!/usr/bin/python3
"""Writes the scikit-learn reference values for the neighbors parity tests.

Run from anywhere with Debian's scikit-learn 1.2 (apt-get install python3-sklearn):

    /usr/bin/python3 ml/neighbors/testdata/gen.py

For each data set it writes <name>.json beside this script: the train/test
split (indices into the CSV's rows), and for each case (n_neighbors, weights,
p; algorithm "auto" as scikit-learn picks it) the test score on the whole test
part and, for the stored rows of the test part, predictions, probabilities
(classifiers) and kneighbors distances and indices. The 10,000-row synthetic
sets store the first 400 test rows only, to keep each file under ~1 MB; their
scores still cover all 2,500 test rows. Floats are written with repr, which
round-trips exactly.
"""
import csv
import gzip
import json
import os

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

CASES = [dict(n_neighbors=5, weights=w, p=p) for w in ("uniform", "distance") for p in (1, 2, 3)]
CASES += [dict(n_neighbors=10, weights=w, p=2) for w in ("uniform", "distance")]

SETS = [
    # name, path, estimator, rows stored per test part (None: all)
    ("iris", "data/datasets/iris.csv", "KNeighborsClassifier", None),
    ("wine", "data/datasets/wine.csv", "KNeighborsClassifier", None),
    ("breast_cancer", "data/datasets/breast_cancer.csv", "KNeighborsClassifier", None),
    ("digits", "data/datasets/digits.csv", "KNeighborsClassifier", None),
    ("diabetes", "data/datasets/diabetes.csv", "KNeighborsRegressor", None),
    ("classification_10k", "testdata/synthetic/classification_10k.csv.gz", "KNeighborsClassifier", 400),
    ("regression_10k", "testdata/synthetic/regression_10k.csv.gz", "KNeighborsRegressor", 400),
]


def load(path):
    """Reads a CSV as internal/testutil.LoadCSV does (string targets become
    their index in sorted order, like LabelEncoder)."""
    full = os.path.join(ROOT, path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(full, "rt") as f:
        rows = list(csv.reader(f))[1:]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    t = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        labels = sorted(set(t))
        y = np.array([float(labels.index(v)) for v in t])
    return X, y


def main():
    for name, path, est, keep in SETS:
        X, y = load(path)
        idx = np.arange(len(y))
        classifier = est == "KNeighborsClassifier"
        tr, te = train_test_split(idx, test_size=0.25, random_state=0,
                                  stratify=y if classifier else None)
        rows = te if keep is None else te[:keep]
        out = {
            "sklearn": sklearn.__version__,
            "dataset": name,
            "path": path,
            "estimator": est,
            "train": tr.tolist(),
            "test": te.tolist(),
            "rows": len(rows),
            "cases": [],
        }
        for params in CASES:
            cls = KNeighborsClassifier if classifier else KNeighborsRegressor
            m = cls(**params).fit(X[tr], y[tr])
            dist, ind = m.kneighbors(X[rows])
            case = {
                "params": params,
                "fit_method": m._fit_method,
                "score": float(m.score(X[te], y[te])),
                "predict": m.predict(X[rows]).tolist(),
                "dist": dist.tolist(),
                "ind": ind.tolist(),
            }
            if classifier:
                case["proba"] = m.predict_proba(X[rows]).tolist()
            out["cases"].append(case)
        if name in ("iris", "wine"):
            # kneighbors(X=None): the training points' own neighbours.
            m = KNeighborsClassifier(n_neighbors=5).fit(X[tr], y[tr])
            out["self_dist"] = m.kneighbors()[0].tolist()
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
            f.write("\n")


if __name__ == "__main__":
    main()
