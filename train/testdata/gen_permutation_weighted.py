#!/usr/bin/python3
"""Writes permutation_weighted.json and the weighted tables it scores
(iris_w.csv, wine_w.csv, diabetes_w.csv: a built-in dataset with a column
"w" of sample weights before the target): scikit-learn 1.2.1's
permutation_importance(..., sample_weight=w) of an estimator fitted with
fit(X, y, sample_weight=w) on the whole table and scored on it again, for
train's weighted permutation parity test (which runs the spec fragments
with data.train and data.test both the table and data.sample_weight "w").

max_samples stays at every row: scikit-learn 1.2's permutation_importance
fails when max_samples draws fewer rows than sample_weight holds (it does
not draw the weights with the rows; 1.3 does, as mlforge does).

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_permutation_weighted.py
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.inspection import permutation_importance
from sklearn.linear_model import Ridge
from sklearn.naive_bayes import GaussianNB

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
assert sklearn.__version__.startswith("1.2"), sklearn.__version__


def weighted_table(name, seed):
    """Reads the built-in table, writes NAME_w.csv with the weights column
    and returns X, y (numbers, or the text labels encoded as sorted
    indices, which mlforge's classes are) and w."""
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = list(csv.reader(f))
    rs = np.random.RandomState(seed)
    w = np.round(rs.uniform(0.1, 3.0, len(rows) - 1), 3)
    with open(os.path.join(HERE, name + "_w.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(rows[0][:-1] + ["w", rows[0][-1]])
        for r, v in zip(rows[1:], w):
            out.writerow(r[:-1] + [repr(float(v)), r[-1]])
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    y = [r[-1] for r in rows[1:]]
    try:
        y = np.array([float(v) for v in y])
    except ValueError:
        labels = sorted(set(y))
        y = np.array([float(labels.index(v)) for v in y])
    return X, y, w


cases = []
for name, seed, model, est, kw in [
    ("iris", 0, {"class": "GaussianNB"}, GaussianNB(), {"n_repeats": 10, "random_state": 0, "scoring": "accuracy"}),
    ("wine", 1, {"class": "GaussianNB"}, GaussianNB(), {"n_repeats": 4, "random_state": 5, "scoring": "neg_log_loss"}),
    ("diabetes", 2, {"class": "Ridge", "params": {"alpha": 0.5}}, Ridge(alpha=0.5), {"n_repeats": 5, "random_state": 1, "scoring": "r2"}),
    ("diabetes", 2, {"class": "Ridge", "params": {"alpha": 0.5}}, Ridge(alpha=0.5),
     {"n_repeats": 3, "random_state": 7, "scoring": "neg_mean_absolute_error"}),
]:
    X, y, w = weighted_table(name, seed)
    est.fit(X, y, sample_weight=w)
    r = permutation_importance(est, X, y, sample_weight=w, **kw)
    cases.append({"table": name + "_w.csv", "model": model, "permutation_importance": kw,
                  "importances_mean": r.importances_mean.tolist(), "importances_std": r.importances_std.tolist(),
                  "importances": r.importances.tolist()})
with open(os.path.join(HERE, "permutation_weighted.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
