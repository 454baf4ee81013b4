"""Write the scikit-learn reference fixtures for ml/tree.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/tree/testdata/gen.py

For each dataset it fits DecisionTreeClassifier or DecisionTreeRegressor
with several parameter sets on the training rows (row i is a test row when
i % 4 == 0, a training row otherwise) and writes, per case, the fitted tree's
arrays (tree_.value divided by the node weight for classifiers, i.e. class
fractions), feature_importances_, and the predictions, probabilities and
accuracy or R^2 on the test rows, to ml/tree/testdata/<dataset>.json.
Large trees keep only their summary (node count, depth, leaves, importances)
and the test predictions.
"""
import csv
import gzip
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))
FULL_TREE_MAX_NODES = 1500


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


def weights(n):
    # Zero weights included: such samples are left out of the tree.
    return np.array([0.0 if i % 5 == 0 else 1.0 + i % 3 for i in range(n)])


CLF_CASES = [
    {},
    {"max_depth": 3},
    {"min_samples_leaf": 5},
    {"criterion": "entropy"},
    {"criterion": "log_loss", "max_depth": 6},
    {"max_features": "sqrt", "random_state": 0},
    {"max_features": 0.5, "random_state": 7},
    {"splitter": "random", "random_state": 1},
    {"max_leaf_nodes": 12},
    {"min_samples_split": 0.05, "min_weight_fraction_leaf": 0.01},
    {"min_impurity_decrease": 0.005, "max_features": 3, "random_state": 3},
]
REG_CASES = [
    {},
    {"max_depth": 3},
    {"min_samples_leaf": 5},
    {"criterion": "friedman_mse", "max_depth": 8},
    {"max_features": "sqrt", "random_state": 0},
    {"splitter": "random", "random_state": 1, "max_depth": 10},
    {"max_leaf_nodes": 30},
    {"min_samples_split": 0.02, "min_weight_fraction_leaf": 0.005},
    {"min_impurity_decrease": 10.0, "max_features": 0.5, "random_state": 5},
    {"criterion": "poisson", "min_samples_leaf": 4},
    {"criterion": "absolute_error", "max_depth": 6},
]


def case(cls, params, X, y, weighted):
    if params.get("criterion") == "poisson":
        # Poisson needs y >= 0: shift the targets to start at 0.
        y = y - y.min()
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    w = weights(len(ytr)) if weighted else None
    # mlforge is always seeded (random_state null means 0); scikit-learn
    # would draw a seed from numpy's global generator.
    params = dict(params)
    params.setdefault("random_state", 0)
    m = cls(**params).fit(Xtr, ytr, sample_weight=w)
    t = m.tree_
    out = {
        "params": params,
        "weighted": weighted,
        "node_count": int(t.node_count),
        "max_depth": int(t.max_depth),
        "n_leaves": int(m.get_n_leaves()),
        "feature_importances": m.feature_importances_.tolist(),
        "test_predict": m.predict(Xte).tolist(),
        "test_score": float(m.score(Xte, yte)),
    }
    if cls is DecisionTreeClassifier:
        out["test_proba"] = m.predict_proba(Xte).ravel().tolist()
    if t.node_count <= FULL_TREE_MAX_NODES:
        value = t.value[:, 0, :]
        if cls is DecisionTreeClassifier:
            value = value / t.weighted_n_node_samples[:, None]
        out.update({
            "children_left": t.children_left.tolist(),
            "children_right": t.children_right.tolist(),
            "feature": t.feature.tolist(),
            "threshold": t.threshold.tolist(),
            "value": value.ravel().tolist(),
            "impurity": t.impurity.tolist(),
            "n_node_samples": t.n_node_samples.tolist(),
            "weighted_n_node_samples": t.weighted_n_node_samples.tolist(),
        })
    return out


DATASETS = [
    ("iris", "data/datasets/iris.csv", DecisionTreeClassifier),
    ("wine", "data/datasets/wine.csv", DecisionTreeClassifier),
    ("breast_cancer", "data/datasets/breast_cancer.csv", DecisionTreeClassifier),
    ("digits", "data/datasets/digits.csv", DecisionTreeClassifier),
    ("classification_10k", "testdata/synthetic/classification_10k.csv.gz", DecisionTreeClassifier),
    ("diabetes", "data/datasets/diabetes.csv", DecisionTreeRegressor),
    ("regression_10k", "testdata/synthetic/regression_10k.csv.gz", DecisionTreeRegressor),
]


def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    for name, path, cls in DATASETS:
        X, y = load(path)
        cases = CLF_CASES if cls is DecisionTreeClassifier else REG_CASES
        if name == "regression_10k":
            # scikit-learn's absolute_error is quadratic in the node size.
            cases = [c for c in cases if c.get("criterion") != "absolute_error"]
        out = {
            "sklearn": sklearn.__version__,
            "dataset": path,
            "estimator": cls.__name__,
            "test_rows": "i % 4 == 0",
            "cases": [case(cls, p, X, y, False) for p in cases]
            + [case(cls, {"min_samples_leaf": 3}, X, y, True)]
            + ([case(cls, {"criterion": "absolute_error", "max_depth": 4}, X, y, True)] if name == "diabetes" else []),
        }
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, [c["node_count"] for c in out["cases"]], file=sys.stderr)


if __name__ == "__main__":
    main()
