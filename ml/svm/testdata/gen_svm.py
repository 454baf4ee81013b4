#!/usr/bin/python3
"""Writes the scikit-learn reference values for the ml/svm parity tests
(parity_test.go: SVC, SVR, NuSVC, NuSVR, OneClassSVM, LinearSVC, LinearSVR;
the Linear* with random_state 0 where a case sets none, the Go default) into sklearn_svm.json.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/svm/testdata/gen_svm.py

Each case fits on all rows of a built-in dataset (data/datasets/*.csv,
labels encoded in sorted order as testutil.LoadCSV does), raw or
standardised ("scaled": (X - mean) / std over all rows, population std, as
parity_test.go's standardize), with its rows in reverse order for a data
name ending in "_reversed" (the classes then appear last first: libsvm
still orders them by value), and stores the fitted attributes (support_,
n_support_, dual_coef_, intercept_, the gamma used, n_iter_) with
decision_function and predict on all rows.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR, NuSVC, NuSVR, OneClassSVM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def load(name, scaled):
    reverse = name.endswith("_reversed")
    name = name.removesuffix("_reversed")
    with open(os.path.join(ROOT, "data/datasets", name + ".csv")) as f:
        rows = [l.split(",") for l in f.read().strip().split("\n")[1:]]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    t = [r[-1].strip() for r in rows]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        names = sorted(set(t))
        y = np.array([float(names.index(v)) for v in t])
    if scaled:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    if reverse:
        X, y = X[::-1].copy(), y[::-1].copy()
    return X, y


SVC_CASES = [
    ("iris_rbf_default", "iris", False, {}),
    ("iris_linear", "iris", False, {"kernel": "linear", "C": 0.5}),
    ("iris_poly_ovo", "iris", False, {"kernel": "poly", "degree": 3, "gamma": "auto", "coef0": 1.0, "decision_function_shape": "ovo"}),
    ("iris_reversed_rows", "iris_reversed", False, {"C": 3.0}),
    ("iris_break_ties", "iris", False, {"C": 0.2, "break_ties": True}),
    ("wine_rbf_c10", "wine", True, {"C": 10.0}),
    ("wine_linear_balanced", "wine", True, {"kernel": "linear", "C": 0.3, "class_weight": "balanced"}),
    ("wine_sigmoid", "wine", True, {"kernel": "sigmoid", "gamma": 0.01, "coef0": 0.0}),
    ("wine_weights_noshrink", "wine", True, {"gamma": 0.05, "class_weight": {"0": 2.0, "2": 0.5}, "shrinking": False}),
    ("cancer_rbf", "breast_cancer", True, {}),
    ("cancer_linear_noshrink", "breast_cancer", True, {"kernel": "linear", "C": 0.1, "shrinking": False}),
    ("cancer_poly", "breast_cancer", True, {"kernel": "poly", "degree": 2, "C": 3.0, "coef0": 0.5}),
    ("iris_proba", "iris", False, {"probability": True, "random_state": 0}),
    ("wine_proba_seed3", "wine", True, {"probability": True, "random_state": 3, "C": 2.0}),
    ("wine_proba_balanced_linear", "wine", True, {"probability": True, "random_state": 7, "kernel": "linear", "class_weight": "balanced"}),
    ("cancer_proba", "breast_cancer", True, {"probability": True, "random_state": 0}),
]

SVR_CASES = [
    ("diabetes_rbf_default", "diabetes", True, {}),
    ("diabetes_rbf_c100", "diabetes", True, {"C": 100.0, "epsilon": 5.0}),
    ("diabetes_linear", "diabetes", True, {"kernel": "linear", "C": 10.0, "epsilon": 1.0}),
    ("diabetes_poly_noshrink", "diabetes", True, {"kernel": "poly", "degree": 2, "gamma": "auto", "C": 50.0, "shrinking": False}),
    ("diabetes_sigmoid", "diabetes", True, {"kernel": "sigmoid", "gamma": 0.02, "coef0": 0.1, "C": 30.0}),
]

NUSVC_CASES = [
    ("iris_default", "iris", False, {}),
    ("wine_linear_nu03", "wine", True, {"kernel": "linear", "nu": 0.3}),
    ("wine_balanced", "wine", True, {"nu": 0.4, "class_weight": "balanced"}),
    ("cancer_nu02_noshrink", "breast_cancer", True, {"nu": 0.2, "shrinking": False}),
    ("iris_proba", "iris", False, {"probability": True, "random_state": 1}),
]

NUSVR_CASES = [
    ("diabetes_default", "diabetes", True, {}),
    ("diabetes_linear_nu03", "diabetes", True, {"kernel": "linear", "nu": 0.3, "C": 10.0}),
    ("diabetes_rbf_c50_noshrink", "diabetes", True, {"nu": 0.7, "C": 50.0, "shrinking": False}),
]

ONECLASS_CASES = [
    ("iris_default", "iris", True, {}),
    ("wine_nu01", "wine", True, {"nu": 0.1, "gamma": 0.1}),
    ("cancer_linear", "breast_cancer", True, {"kernel": "linear", "nu": 0.25}),
    ("diabetes_poly_noshrink", "diabetes", True, {"kernel": "poly", "degree": 2, "nu": 0.05, "shrinking": False}),
]

LINEARSVC_CASES = [
    ("iris_scaled_default", "iris", True, {}),
    ("iris_raw_seed5", "iris", False, {"random_state": 5, "intercept_scaling": 2.0, "C": 0.5}),
    ("wine_hinge", "wine", True, {"loss": "hinge", "C": 0.1}),
    ("wine_balanced", "wine", True, {"class_weight": "balanced", "random_state": 1}),
    ("cancer_default", "breast_cancer", True, {}),
    ("cancer_no_intercept_weights", "breast_cancer", True, {"fit_intercept": False, "class_weight": {"0": 3.0}}),
]

LINEARSVR_CASES = [
    ("diabetes_default", "diabetes", True, {}),
    ("diabetes_eps_c10", "diabetes", True, {"epsilon": 5.0, "C": 10.0, "random_state": 2}),
    ("diabetes_squared", "diabetes", True, {"loss": "squared_epsilon_insensitive", "C": 0.1, "epsilon": 1.0}),
    ("diabetes_no_intercept", "diabetes", True, {"fit_intercept": False}),
]


def kw_of(params):
    kw = dict(params)
    if isinstance(kw.get("class_weight"), dict):
        kw["class_weight"] = {float(k): v for k, v in kw["class_weight"].items()}
    return kw


def proba(m, X):
    if not m.probability:
        return {}
    return {"prob_a": m.probA_.tolist(), "prob_b": m.probB_.tolist(),
            "predict_proba": m.predict_proba(X).tolist()}


def main():
    out = {"sklearn": sklearn.__version__, "svc": [], "svr": []}
    for name, data, scaled, params in SVC_CASES:
        X, y = load(data, scaled)
        m = SVC(**kw_of(params)).fit(X, y)
        d = m.decision_function(X)
        out["svc"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "classes": m.classes_.tolist(), "support": m.support_.tolist(),
            "n_support": m.n_support_.tolist(), "dual_coef": m.dual_coef_.tolist(),
            "intercept": m.intercept_.tolist(), "gamma": float(m._gamma),
            "n_iter": np.atleast_1d(m.n_iter_).tolist(),
            "decision_function": d.reshape(len(X), -1).tolist(),
            "predict": m.predict(X).tolist(),
            **proba(m, X),
        })
    for name, data, scaled, params in SVR_CASES:
        X, y = load(data, scaled)
        m = SVR(**params).fit(X, y)
        out["svr"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "support": m.support_.tolist(), "dual_coef": m.dual_coef_.ravel().tolist(),
            "intercept": float(m.intercept_[0]), "gamma": float(m._gamma),
            "n_iter": int(np.atleast_1d(m.n_iter_)[0]),
            "predict": m.predict(X).tolist(),
        })
    out["nusvc"] = []
    for name, data, scaled, params in NUSVC_CASES:
        X, y = load(data, scaled)
        m = NuSVC(**kw_of(params)).fit(X, y)
        d = m.decision_function(X)
        out["nusvc"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "classes": m.classes_.tolist(), "support": m.support_.tolist(),
            "n_support": m.n_support_.tolist(), "dual_coef": m.dual_coef_.tolist(),
            "intercept": m.intercept_.tolist(), "gamma": float(m._gamma),
            "n_iter": np.atleast_1d(m.n_iter_).tolist(),
            "decision_function": d.reshape(len(X), -1).tolist(),
            "predict": m.predict(X).tolist(),
            **proba(m, X),
        })
    out["nusvr"] = []
    for name, data, scaled, params in NUSVR_CASES:
        X, y = load(data, scaled)
        m = NuSVR(**params).fit(X, y)
        out["nusvr"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "support": m.support_.tolist(), "dual_coef": m.dual_coef_.ravel().tolist(),
            "intercept": float(m.intercept_[0]), "gamma": float(m._gamma),
            "n_iter": int(np.atleast_1d(m.n_iter_)[0]),
            "predict": m.predict(X).tolist(),
        })
    out["oneclass"] = []
    for name, data, scaled, params in ONECLASS_CASES:
        X, _ = load(data, scaled)
        m = OneClassSVM(**params).fit(X)
        out["oneclass"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "support": m.support_.tolist(), "dual_coef": m.dual_coef_.ravel().tolist(),
            "intercept": float(m.intercept_[0]), "gamma": float(m._gamma),
            "n_iter": int(np.atleast_1d(m.n_iter_)[0]),
            "predict": m.decision_function(X).tolist(),
            "labels": m.predict(X).tolist(),
        })
    out["linearsvc"] = []
    for name, data, scaled, params in LINEARSVC_CASES:
        X, y = load(data, scaled)
        kw = kw_of(params)
        kw.setdefault("random_state", 0)
        m = LinearSVC(**kw).fit(X, y)
        out["linearsvc"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "coef": m.coef_.tolist(), "intercept": np.atleast_1d(m.intercept_).tolist(),
            "n_iter": int(m.n_iter_),
            "decision_function": m.decision_function(X).reshape(len(X), -1).tolist(),
            "predict": m.predict(X).tolist(),
        })
    out["linearsvr"] = []
    for name, data, scaled, params in LINEARSVR_CASES:
        X, y = load(data, scaled)
        kw = dict(params)
        kw.setdefault("random_state", 0)
        m = LinearSVR(**kw).fit(X, y)
        out["linearsvr"].append({
            "name": name, "data": data, "scaled": scaled, "params": params,
            "coef": m.coef_.tolist(), "intercept": float(np.atleast_1d(m.intercept_)[0]),
            "n_iter": int(m.n_iter_), "predict": m.predict(X).tolist(),
        })
    with open(os.path.join(HERE, "sklearn_svm.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
