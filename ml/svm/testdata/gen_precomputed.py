#!/usr/bin/python3
"""Writes precomputed.json: scikit-learn 1.2.1's SVC, NuSVC, SVR, NuSVR and
OneClassSVM with kernel="precomputed", for precomputed_test.go.

Each case keeps every stride-th row of a built-in dataset, standardises
them (as gen_svm.py's "scaled"), and splits them into the even rows (training) and the odd rows
(test), computes the kernel matrices in numpy (the training Gram matrix
K(train, train) and the test kernel K(test, train)), stores both, fits on
the Gram matrix (with sample weights where a case has them) and stores
the fitted attributes (support_, n_support_, dual_coef_, intercept_,
_gamma, which is 0 for a precomputed kernel, n_iter_, the shape of the
empty support_vectors_), the predictions and decision values on the test
kernel, and predict_proba where probability=True. The kernel values are
rounded to 5 decimals (both fits see the rounded matrices).

Run from the repository root:

    /usr/bin/python3 ml/svm/testdata/gen_precomputed.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
assert sklearn.__version__.startswith("1.2"), sklearn.__version__


def load(name, stride):
    with open(os.path.join(ROOT, "data/datasets", name + ".csv")) as f:
        lines = [l.split(",") for l in f.read().strip().split("\n")[1:]][::stride]
    X = np.array([[float(v) for v in r[:-1]] for r in lines])
    t = [r[-1].strip() for r in lines]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        names = sorted(set(t))
        y = np.array([float(names.index(v)) for v in t])
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X[0::2].copy(), y[0::2].copy(), X[1::2].copy(), y[1::2].copy()


def gram(kind, A, B):
    if kind == "linear":
        return A @ B.T
    # rbf with gamma 0.2
    d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T
    return np.exp(-0.2 * np.maximum(d, 0))


CASES = [
    # name, class, data, rows, kernel, params, weights
    ("svc_iris_rbf", SVC, "iris", 2, "rbf", {"C": 2.0}, False),
    ("svc_iris_linear_weighted", SVC, "iris", 2, "linear", {"C": 0.5}, True),
    ("svc_cancer_linear_proba", SVC, "breast_cancer", 5, "linear", {"C": 0.1, "probability": True, "random_state": 3}, False),
    ("nusvc_wine_rbf", NuSVC, "wine", 2, "rbf", {"nu": 0.3}, False),
    ("svr_diabetes_rbf", SVR, "diabetes", 4, "rbf", {"C": 50.0, "epsilon": 5.0}, False),
    ("nusvr_diabetes_linear_weighted", NuSVR, "diabetes", 4, "linear", {"C": 2.0, "nu": 0.4}, True),
    ("oneclass_iris_rbf", OneClassSVM, "iris", 2, "rbf", {"nu": 0.2}, False),
]

out = []
for name, cls, data, stride, kind, params, weighted in CASES:
    Xtr, ytr, Xte, yte = load(data, stride)
    # Rounded to 5 decimals so that the fixture stays small; the rounded
    # values are the kernel both fits see.
    Ktr, Kte = np.round(gram(kind, Xtr, Xtr), 5), np.round(gram(kind, Xte, Xtr), 5)
    est = cls(kernel="precomputed", **params)
    w = None
    if weighted:
        w = np.round(np.random.RandomState(0).uniform(0.2, 2.0, len(ytr)), 3)
        # No weight is 0: scikit-learn 1.2 then predicts from the wrong
        # kernel columns (its support_ counts the rows of positive weight,
        # and predict reads those positions of the test kernel);
        # precomputed_test.go checks mlforge's zero weights against the fit
        # without those rows instead.
    if cls is OneClassSVM:
        est.fit(Ktr, sample_weight=w)
    else:
        est.fit(Ktr, ytr, sample_weight=w)
    c = {"name": name, "class": cls.__name__, "kernel": kind, "params": params,
         "y_train": ytr.tolist(), "y_test": yte.tolist(),
         "k_train": Ktr.tolist(), "k_test": Kte.tolist(),
         "sample_weight": None if w is None else w.tolist(),
         "support": est.support_.tolist(), "n_support": est.n_support_.tolist(),
         "dual_coef": est.dual_coef_.tolist(), "intercept": est.intercept_.tolist(),
         "gamma": float(est._gamma), "n_iter": np.atleast_1d(est.n_iter_).tolist(),
         "support_vectors_shape": list(est.support_vectors_.shape),
         "predict": est.predict(Kte).tolist()}
    if cls in (SVC, NuSVC, OneClassSVM):
        c["decision_function"] = np.asarray(est.decision_function(Kte)).tolist()
    if params.get("probability"):
        c["predict_proba"] = est.predict_proba(Kte).tolist()
    out.append(c)

with open(os.path.join(HERE, "precomputed.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": out}, f)
    f.write("\n")
