#!/usr/bin/python3
"""Writes parity.json: scikit-learn 1.2 StandardScaler, MinMaxScaler and
SimpleImputer on the shared data sets, with and without missing values.

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/preprocessing/testdata/gen.py

Inputs are not stored: the Go test rebuilds them from data/datasets/*.csv
with the same recipe (see make_x below and inputX in parity_test.go). NaN is
written as null, since JSON has no NaN.
"""
import json
import math
import os

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import MinMaxScaler, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")


def load(name):
    df = pd.read_csv(os.path.join(ROOT, "data", "datasets", name + ".csv"))
    return df.drop(columns=["target"]).to_numpy(dtype=np.float64)


def make_x(spec):
    """spec is "<dataset>[+nan][+empty]":
    +nan   sets X[i, j] = NaN where (7*i + 13*j) % 11 == 0;
    +empty also sets column 0 to the constant 5.0 and column 3 to NaN."""
    parts = spec.split("+")
    X = load(parts[0]).copy()
    if "nan" in parts:
        i, j = np.indices(X.shape)
        X[(7 * i + 13 * j) % 11 == 0] = np.nan
    if "empty" in parts:
        X[:, 0] = 5.0
        X[:, 3] = np.nan
    return X


def transform_input(X, how):
    """how: "head" is the first 60 rows; "shifted" is 2*X[:60] + 1."""
    H = X[:60]
    return H if how == "head" else 2 * H + 1


def nums(a):
    return [None if (isinstance(v, float) and math.isnan(v)) else v for v in np.asarray(a, dtype=np.float64).ravel().tolist()]


CASES = [
    ("StandardScaler", {}, "wine", "head"),
    ("StandardScaler", {}, "diabetes", "shifted"),
    ("StandardScaler", {"with_mean": False}, "wine", "head"),
    ("StandardScaler", {"with_std": False}, "diabetes", "head"),
    ("StandardScaler", {"with_mean": False, "with_std": False}, "iris", "head"),
    ("StandardScaler", {}, "wine+nan", "shifted"),
    ("StandardScaler", {}, "wine+nan+empty", "head"),
    ("StandardScaler", {}, "digits", "head"),
    ("MinMaxScaler", {}, "wine", "head"),
    ("MinMaxScaler", {"feature_range": [-1, 2]}, "diabetes", "shifted"),
    ("MinMaxScaler", {"clip": True}, "wine", "shifted"),
    ("MinMaxScaler", {}, "wine+nan", "shifted"),
    ("MinMaxScaler", {"clip": True, "feature_range": [-3, -1]}, "wine+nan+empty", "shifted"),
    ("MinMaxScaler", {}, "digits", "head"),
    ("SimpleImputer", {}, "wine+nan", "head"),
    ("SimpleImputer", {"strategy": "median"}, "wine+nan", "shifted"),
    ("SimpleImputer", {"strategy": "median"}, "diabetes+nan", "head"),
    ("SimpleImputer", {"strategy": "most_frequent"}, "wine+nan", "head"),
    ("SimpleImputer", {"strategy": "most_frequent"}, "diabetes+nan", "head"),
    ("SimpleImputer", {"strategy": "constant", "fill_value": -7.5}, "wine+nan+empty", "head"),
    ("SimpleImputer", {"strategy": "constant"}, "wine+nan", "head"),
    ("SimpleImputer", {}, "wine+nan+empty", "head"),
    ("SimpleImputer", {"strategy": "median"}, "wine+nan+empty", "head"),
    ("SimpleImputer", {"strategy": "most_frequent"}, "wine+nan+empty", "head"),
    ("SimpleImputer", {"keep_empty_features": True}, "wine+nan+empty", "head"),
    ("SimpleImputer", {"strategy": "median", "keep_empty_features": True}, "wine+nan+empty", "head"),
    ("SimpleImputer", {"strategy": "most_frequent", "keep_empty_features": True}, "wine+nan+empty", "head"),
    ("SimpleImputer", {"missing_values": 0}, "digits", "head"),
    ("SimpleImputer", {"missing_values": 0, "strategy": "most_frequent"}, "digits", "head"),
    ("SimpleImputer", {"missing_values": 0, "strategy": "median", "keep_empty_features": True}, "digits", "head"),
]

ATTRS = {
    "StandardScaler": ["mean_", "var_", "scale_", "n_samples_seen_"],
    "MinMaxScaler": ["data_min_", "data_max_", "data_range_", "scale_", "min_", "n_samples_seen_"],
    "SimpleImputer": ["statistics_"],
}
CLASSES = {"StandardScaler": StandardScaler, "MinMaxScaler": MinMaxScaler, "SimpleImputer": SimpleImputer}

out = []
for cls, params, xspec, how in CASES:
    X = make_x(xspec)
    kw = dict(params)
    if "feature_range" in kw:
        kw["feature_range"] = tuple(kw["feature_range"])
    est = CLASSES[cls](**kw).fit(X)
    T = transform_input(X, how)
    Z = est.transform(T)
    case = {"class": cls, "params": params, "x": xspec, "transform": how,
            "attrs": {}, "out": nums(Z), "out_shape": list(Z.shape)}
    for a in ATTRS[cls]:
        v = getattr(est, a)
        if v is None:
            case["attrs"][a] = None
        elif np.ndim(v) == 0:
            case["attrs"][a] = [float(v)] * X.shape[1]
        else:
            case["attrs"][a] = nums(v)
    if hasattr(est, "inverse_transform") and cls != "SimpleImputer":
        case["inverse"] = nums(est.inverse_transform(Z))
    out.append(case)

with open(os.path.join(HERE, "parity.json"), "w") as f:
    json.dump(out, f)
    f.write("\n")
print(len(out), "cases")
