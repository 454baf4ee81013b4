#!/usr/bin/python3
"""Writes the scikit-learn reference values for the ml/naivebayes parity tests.

Run from the repository root with Debian's scikit-learn 1.2
(apt-get install python3-sklearn):

    /usr/bin/python3 ml/naivebayes/testdata/gen.py

For every case it fits GaussianNB on a stratified train split whose row
indices it saves (so Go uses the same split), then records theta_, var_,
class_prior_, epsilon_ and, on the test rows, predict, predict_proba and
predict_log_proba, plus the held-out accuracy.
"""
import gzip
import json
import os

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
MAX_ROWS = 500  # test rows of outputs stored per case; accuracy uses all


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(os.path.join(ROOT, path), "rt") as f:
        rows = [l.split(",") for l in f.read().strip().split("\n")[1:]]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    t = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        names = sorted(set(t))  # LabelEncoder order, as testutil.LoadCSV
        y = np.array([float(names.index(v)) for v in t])
    return X, y


def tolist(a):
    return np.asarray(a, dtype=float).tolist()


def main():
    import sklearn
    specs = [
        ("data/datasets/iris.csv", {}),
        ("data/datasets/iris.csv", {"priors": [0.2, 0.3, 0.5]}),
        ("data/datasets/wine.csv", {}),
        ("data/datasets/breast_cancer.csv", {}),
        ("data/datasets/breast_cancer.csv", {"var_smoothing": 1e-3}),
        ("data/datasets/digits.csv", {}),
        ("testdata/synthetic/classification_10k.csv.gz", {}),
    ]
    cases, splits = [], {}
    for path, params in specs:
        X, y = load(path)
        tr, te = train_test_split(np.arange(len(y)), test_size=0.25, random_state=0, stratify=y)
        splits[path] = {"train": tr.tolist(), "test": te.tolist()}
        est = GaussianNB(**params).fit(X[tr], y[tr])
        n = te[:MAX_ROWS]
        cases.append({
            "name": f"{os.path.basename(path).split('.')[0]}/{json.dumps(params, sort_keys=True)}",
            "data": path, "params": params, "split": path,
            "classes": tolist(est.classes_), "theta": tolist(est.theta_), "var": tolist(est.var_),
            "class_prior": tolist(est.class_prior_), "class_count": tolist(est.class_count_),
            "epsilon": float(est.epsilon_),
            "predict": tolist(est.predict(X[n])),
            "predict_proba": tolist(est.predict_proba(X[n])),
            "predict_log_proba": tolist(est.predict_log_proba(X[n])),
            "score": float(est.score(X[te], y[te])),
        })
    with open(os.path.join(HERE, "sklearn_gaussiannb.json"), "w") as f:
        json.dump({"sklearn_version": sklearn.__version__, "splits": splits, "cases": cases}, f,
                  separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
