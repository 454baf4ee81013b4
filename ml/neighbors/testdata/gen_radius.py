"""Write the scikit-learn reference fixture for ml/neighbors' radius
estimators and NearestCentroid (radius_centroid.json).

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/neighbors/testdata/gen_radius.py

Datasets are split as the other fixtures (row i is a test row when
i % 4 == 0). Each case holds the class, its parameters as mlforge takes
them and, on the test rows, predict (NaN as null), predict_proba for the
classifiers and centroids_ for NearestCentroid.
"""
import csv
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.neighbors import NearestCentroid, RadiusNeighborsClassifier, RadiusNeighborsRegressor

assert sklearn.__version__.startswith("1.2"), sklearn.__version__
warnings.simplefilter("ignore")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))
CLASSES = {c.__name__: c for c in (NearestCentroid, RadiusNeighborsClassifier, RadiusNeighborsRegressor)}


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


CASES = [
    ("iris", "RadiusNeighborsClassifier", {"radius": 0.8, "outlier_label": "most_frequent"}),
    ("iris", "RadiusNeighborsClassifier", {"radius": 0.3, "weights": "distance", "outlier_label": 5}),
    ("iris", "RadiusNeighborsClassifier", {"radius": 1.5, "p": 1, "algorithm": "brute"}),
    ("breast_cancer", "RadiusNeighborsClassifier", {"radius": 150, "outlier_label": "most_frequent", "weights": "distance"}),
    ("breast_cancer", "RadiusNeighborsClassifier", {"radius": 120, "outlier_label": 1}),
    ("breast_cancer", "RadiusNeighborsRegressor", {"radius": 150}),
    ("diabetes", "RadiusNeighborsRegressor", {"radius": 30}),
    ("diabetes", "RadiusNeighborsRegressor", {"radius": 18, "weights": "distance", "algorithm": "kd_tree", "leaf_size": 5}),
    ("breast_cancer", "RadiusNeighborsRegressor", {"radius": 200, "metric": "manhattan"}),
    ("iris", "NearestCentroid", {}),
    ("iris", "NearestCentroid", {"metric": "manhattan"}),
    ("wine", "NearestCentroid", {"shrink_threshold": 0.5}),
    ("breast_cancer", "NearestCentroid", {"metric": "manhattan", "shrink_threshold": 0.2}),
    ("digits", "NearestCentroid", {"shrink_threshold": 1.0}),
]

out = []
for name, cls, params in CASES:
    X, y = load(name)
    te = np.arange(len(y)) % 4 == 0
    m = CLASSES[cls](**params).fit(X[~te], y[~te])
    pred = m.predict(X[te])
    case = {"dataset": name, "class": cls, "params": params,
            "test_predict": [None if np.isnan(v) else float(v) for v in pred]}
    if cls == "RadiusNeighborsClassifier":
        case["test_proba"] = m.predict_proba(X[te]).ravel().tolist()
    if cls == "NearestCentroid":
        case["centroids"] = m.centroids_.ravel().tolist()
    out.append(case)
with open(os.path.join(OUT, "radius_centroid.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": out}, f)
    f.write("\n")
