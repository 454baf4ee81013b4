#!/usr/bin/python3
"""Writes curves.json: scikit-learn 1.2.1's validation_curve and
learning_curve scores on whole built-in datasets, for train's curve parity
test (which runs the same spec fragments with data.train and data.test both
the dataset, so the curves see every row).

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_curves.py
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, StratifiedKFold, learning_curve, validation_curve
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
assert sklearn.__version__.startswith("1.2"), sklearn.__version__


def load(name):
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = list(csv.reader(f))
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    y = [r[-1] for r in rows[1:]]
    try:
        y = np.array([float(v) for v in y])
    except ValueError:
        y = np.array(y)
    return X, y


cases = []
X, y = load("iris")
tr, te = validation_curve(make_pipeline(StandardScaler(), KNeighborsClassifier()), X, y,
                          param_name="kneighborsclassifier__n_neighbors", param_range=[1, 5, 15, 40], cv=5, scoring="accuracy")
cases.append({"dataset": "iris", "preprocess": [{"type": "StandardScaler"}], "model": {"class": "KNeighborsClassifier"},
              "key": "validation_curve",
              "curve": {"param_name": "kneighborsclassifier__n_neighbors", "param_range": [1, 5, 15, 40], "cv": 5, "scoring": "accuracy"},
              "train_scores": tr.tolist(), "test_scores": te.tolist()})
X, y = load("diabetes")
tr, te = validation_curve(Ridge(), X, y, param_name="alpha", param_range=[0.01, 1.0, 100.0],
                          cv=KFold(4, shuffle=True, random_state=2), scoring="neg_mean_squared_error")
cases.append({"dataset": "diabetes", "preprocess": [], "model": {"class": "Ridge"}, "key": "validation_curve",
              "curve": {"param_name": "alpha", "param_range": [0.01, 1.0, 100.0],
                        "cv": {"type": "KFold", "n_splits": 4, "shuffle": True, "random_state": 2}, "scoring": "neg_mean_squared_error"},
              "train_scores": tr.tolist(), "test_scores": te.tolist()})
X, y = load("wine")
sizes, tr, te = learning_curve(make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=3)), X, y,
                               train_sizes=[0.2, 0.5, 0.75, 1.0], cv=StratifiedKFold(4, shuffle=True, random_state=0),
                               shuffle=True, random_state=3, scoring="f1_macro")
cases.append({"dataset": "wine", "preprocess": [{"type": "StandardScaler"}], "model": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 3}},
              "key": "learning_curve",
              "curve": {"train_sizes": [0.2, 0.5, 0.75, 1.0], "cv": {"type": "StratifiedKFold", "n_splits": 4, "shuffle": True, "random_state": 0},
                        "shuffle": True, "random_state": 3, "scoring": "f1_macro"},
              "train_sizes_abs": sizes.tolist(), "train_scores": tr.tolist(), "test_scores": te.tolist()})
X, y = load("diabetes")
sizes, tr, te = learning_curve(Ridge(alpha=0.5), X, y, train_sizes=[50, 120, 300], cv=5, scoring="r2")
cases.append({"dataset": "diabetes", "preprocess": [], "model": {"class": "Ridge", "params": {"alpha": 0.5}}, "key": "learning_curve",
              "curve": {"train_sizes": [50, 120, 300], "cv": 5, "scoring": "r2"},
              "train_sizes_abs": sizes.tolist(), "train_scores": tr.tolist(), "test_scores": te.tolist()})
with open(os.path.join(HERE, "curves.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
