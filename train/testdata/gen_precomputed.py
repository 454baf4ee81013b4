#!/usr/bin/python3
"""Writes the precomputed-matrix tables of train's precomputed test and
precomputed.json, scikit-learn 1.2.1's results on them:

  iris_kernel_train.csv, iris_kernel_test.csv   the linear kernel of the
      iris rows (even rows train, odd rows test): K(train, train) and
      K(test, train), one column per training row ("r0", "r2", ...), and
      the target; SVC(kernel="precomputed", C=0.5) is fitted on it, and
      cross-validated, learning-curved and grid-searched on K(train, train)
      with StratifiedKFold(3, shuffle=True, random_state=0).
  diabetes_dist_train.csv, diabetes_dist_test.csv   the Euclidean
      distances between the standardised diabetes rows (every 4th row;
      even train, odd test); KNeighborsRegressor(metric="precomputed",
      n_neighbors=4, weights="distance").

The values are rounded (6 decimals) before the fits, so both fits see the
matrices written. Run from the repository root:

    /usr/bin/python3 train/testdata/gen_precomputed.py
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score, learning_curve
from sklearn.neighbors import KNeighborsRegressor
from sklearn.svm import SVC

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
assert sklearn.__version__.startswith("1.2"), sklearn.__version__


def load(name, stride):
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = list(csv.reader(f))[1:][::stride]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    return X, [r[-1] for r in rows]


def write(name, K, cols, target):
    with open(os.path.join(HERE, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols + ["target"])
        for row, t in zip(K, target):
            w.writerow([repr(float(v)) for v in row] + [t])


out = {"sklearn": sklearn.__version__}

X, t = load("iris", 1)
tr, te = np.arange(0, len(t), 2), np.arange(1, len(t), 2)
K = np.round(X @ X.T, 6)
cols = ["r%d" % i for i in tr]
write("iris_kernel_train.csv", K[np.ix_(tr, tr)], cols, [t[i] for i in tr])
write("iris_kernel_test.csv", K[np.ix_(te, tr)], cols, [t[i] for i in te])
labels = sorted(set(t))
y = np.array([labels.index(v) for v in t], dtype=float)
svc = SVC(kernel="precomputed", C=0.5).fit(K[np.ix_(tr, tr)], y[tr])
pred = svc.predict(K[np.ix_(te, tr)])
out["svc"] = {"support": svc.support_.tolist(), "predict": pred.tolist(), "accuracy": accuracy_score(y[te], pred)}
# The model selection steps on the training matrix: folds select the
# columns of their training rows (_safe_split).
Ktr, ytr = K[np.ix_(tr, tr)], y[tr]
cv = StratifiedKFold(3, shuffle=True, random_state=0)
out["svc_cv"] = cross_val_score(SVC(kernel="precomputed", C=0.5), Ktr, ytr, cv=cv).tolist()
sizes, _, lc = learning_curve(SVC(kernel="precomputed", C=0.5), Ktr, ytr, cv=cv, train_sizes=[0.5, 1.0])
out["svc_learning_curve"] = {"train_sizes_abs": sizes.tolist(), "test_scores": lc.tolist()}
gs = GridSearchCV(SVC(kernel="precomputed"), {"C": [0.01, 0.5]}, cv=cv).fit(Ktr, ytr)
out["svc_grid"] = gs.cv_results_["mean_test_score"].tolist()

X, t = load("diabetes", 4)
X = (X - X.mean(0)) / X.std(0)
tr, te = np.arange(0, len(t), 2), np.arange(1, len(t), 2)
D = np.sqrt(np.maximum((X * X).sum(1)[:, None] + (X * X).sum(1)[None, :] - 2 * X @ X.T, 0))
D = np.round(D, 6)
np.fill_diagonal(D, 0)
cols = ["r%d" % i for i in tr]
write("diabetes_dist_train.csv", D[np.ix_(tr, tr)], cols, [t[i] for i in tr])
write("diabetes_dist_test.csv", D[np.ix_(te, tr)], cols, [t[i] for i in te])
y = np.array([float(v) for v in t])
knr = KNeighborsRegressor(metric="precomputed", n_neighbors=4, weights="distance").fit(D[np.ix_(tr, tr)], y[tr])
pred = knr.predict(D[np.ix_(te, tr)])
out["knr"] = {"predict": pred.tolist(), "r2": r2_score(y[te], pred)}

with open(os.path.join(HERE, "precomputed.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
