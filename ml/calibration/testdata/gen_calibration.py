"""Write the scikit-learn reference fixture for ml/calibration's
CalibratedClassifierCV.

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/calibration/testdata/gen_calibration.py

Datasets are split as the other fixtures (row i is a test row when
i % 4 == 0). Each case holds the parameters as mlforge takes them (the
estimator as {"class", "params"}) and, on the test rows, predict and
predict_proba.
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import RidgeClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

assert sklearn.__version__.startswith("1.2"), sklearn.__version__
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))
CLASSES = {c.__name__: c for c in (RidgeClassifier, GaussianNB, KNeighborsClassifier, DecisionTreeClassifier)}


def load(name):
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = list(csv.reader(f))[1:]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    raw = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in raw])
    except ValueError:
        names = sorted(set(raw))
        y = np.array([float(names.index(v)) for v in raw])
    return X, y


CASES = {
    "breast_cancer": [
        {"estimator": {"class": "GaussianNB"}, "method": "sigmoid"},
        {"estimator": {"class": "GaussianNB"}, "method": "isotonic", "ensemble": False},
        {"estimator": {"class": "RidgeClassifier", "params": {"alpha": 2.0}}, "method": "sigmoid", "cv": 3},
        {"estimator": {"class": "RidgeClassifier"}, "method": "isotonic"},
        {"estimator": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 9}}, "method": "sigmoid", "ensemble": False},
    ],
    "iris": [
        {"estimator": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 7}}, "method": "isotonic"},
        {"estimator": {"class": "GaussianNB"}, "method": "sigmoid", "ensemble": False},
        {"estimator": {"class": "RidgeClassifier"}, "method": "sigmoid", "cv": 4},
        {"estimator": {"class": "RidgeClassifier", "params": {"alpha": 0.5}}, "method": "isotonic", "ensemble": False},
        {"estimator": {"class": "DecisionTreeClassifier", "params": {"max_depth": 2, "random_state": 0}}, "method": "sigmoid"},
    ],
}

for name, cases in CASES.items():
    X, y = load(name)
    te = np.arange(len(y)) % 4 == 0
    out = []
    for params in cases:
        kw = dict(params)
        e = kw.pop("estimator")
        est = CLASSES[e["class"]](**e.get("params", {}))
        m = CalibratedClassifierCV(est, **kw).fit(X[~te], y[~te])
        out.append({"params": params, "test_predict": m.predict(X[te]).tolist(),
                    "test_proba": m.predict_proba(X[te]).ravel().tolist()})
    with open(os.path.join(OUT, "calibration_%s.json" % name), "w") as f:
        json.dump({"sklearn": sklearn.__version__, "dataset": name, "cases": out}, f)
        f.write("\n")
