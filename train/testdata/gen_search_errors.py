#!/usr/bin/python3
"""Writes search_errors.json: scikit-learn 1.2's GridSearchCV cv_results_
when one candidate fails (KNeighborsClassifier with n_neighbors above the
training rows of a fold: its scoring raises), for error_score=nan (the
default) and a number, for train's error_score parity test.

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_search_errors.py

The test runs each case with data.train and data.test both the dataset,
so that the search sees every row, as GridSearchCV.fit(X, y) does here.
NaN scores are written as null.
"""
import csv
import json
import math
import os
import warnings

import numpy as np
import sklearn
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
assert sklearn.__version__.startswith("1.2"), sklearn.__version__


def load(name):
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = list(csv.reader(f))
    assert rows[0][-1] == "target"
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    y = np.array([r[-1] for r in rows[1:]])
    return X, y


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


cases = []
X, y = load("iris")
grid = {"n_neighbors": [3, 500, 5]}
for error_score, spec_value in [(np.nan, None), (0.975, 0.975)]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gs = GridSearchCV(KNeighborsClassifier(), grid, cv=3, error_score=error_score).fit(X, y)
    failed = [w for w in caught if "Scoring failed" in str(w.message)]
    assert len(failed) == 3, [str(w.message)[:80] for w in caught]
    r = gs.cv_results_
    n = len(r["params"])
    search = {"type": "GridSearchCV", "param_grid": grid, "cv": 3}
    if spec_value is not None:
        search["error_score"] = spec_value
    cases.append({
        "dataset": "iris",
        "model": {"class": "KNeighborsClassifier"},
        "search": search,
        "failed": [i for i in range(n) if math.isnan(r["mean_test_score"][i]) or r["mean_test_score"][i] == error_score],
        "mean_test_score": [num(v) for v in r["mean_test_score"]],
        "std_test_score": [num(v) for v in r["std_test_score"]],
        "split_test_score": [[num(r["split%d_test_score" % k][i]) for k in range(gs.n_splits_)] for i in range(n)],
        "rank_test_score": r["rank_test_score"].tolist(),
        "best_index": int(gs.best_index_),
        "best_score": gs.best_score_,
    })

with open(os.path.join(HERE, "search_errors.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
