#!/usr/bin/python3
"""Writes robust.json: scikit-learn 1.2 RobustScaler on the shared data sets.

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/preprocessing/testdata/gen_robust.py

The inputs follow gen.py's recipe (make_x, transform_input, repeated here
with the csv module so that neither pandas nor gen.py's side effects are
needed): not stored, rebuilt by the Go test from data/datasets/*.csv. NaN
is written as null. Each case has
center_ and scale_ (null when None), the transform of the transform input
and its inverse_transform.
"""
import csv
import json
import math
import os

import numpy as np
import sklearn
from sklearn.preprocessing import RobustScaler

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")


def load(name):
    """The feature columns of data/datasets/<name>.csv (all but "target")."""
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = list(csv.reader(f))
    t = rows[0].index("target")
    return np.array([[float(v) for k, v in enumerate(r) if k != t] for r in rows[1:]], dtype=np.float64)


def make_x(spec):
    """As gen.py: "<dataset>[+nan][+empty]"; +nan sets X[i, j] = NaN where
    (7*i + 13*j) % 11 == 0; +empty sets column 0 to 5.0 and column 3 to NaN."""
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
    """As gen.py: "head" is the first 60 rows; "shifted" is 2*X[:60] + 1."""
    H = X[:60]
    return H if how == "head" else 2 * H + 1


def nums(a):
    return [None if (isinstance(v, float) and math.isnan(v)) else v for v in np.asarray(a, dtype=np.float64).ravel().tolist()]

CASES = [
    ({}, "wine", "head"),
    ({}, "diabetes", "shifted"),
    ({"with_centering": False}, "wine", "shifted"),
    ({"with_scaling": False}, "diabetes", "head"),
    ({"with_centering": False, "with_scaling": False}, "iris", "head"),
    ({"quantile_range": [10, 90]}, "wine", "head"),
    ({"quantile_range": [0, 100]}, "breast_cancer", "shifted"),
    ({"quantile_range": [50, 50]}, "iris", "head"),
    ({"quantile_range": [12.5, 87.5]}, "diabetes", "head"),
    ({"unit_variance": True}, "wine", "head"),
    ({"unit_variance": True, "quantile_range": [10, 90]}, "diabetes", "shifted"),
    ({}, "wine+nan", "shifted"),
    ({"quantile_range": [5, 95]}, "wine+nan+empty", "head"),
    ({}, "digits", "head"),
]


def main():
    out = []
    for params, xspec, how in CASES:
        X = make_x(xspec)
        kw = dict(params)
        if "quantile_range" in kw:
            kw["quantile_range"] = tuple(kw["quantile_range"])
        est = RobustScaler(**kw).fit(X)
        Z = est.transform(transform_input(X, how))
        case = {"class": "RobustScaler", "params": params, "x": xspec, "transform": how, "attrs": {},
                "out": nums(Z), "out_shape": list(Z.shape), "inverse": nums(est.inverse_transform(Z))}
        for a in ["center_", "scale_"]:
            v = getattr(est, a)
            case["attrs"][a] = None if v is None else nums(v)
        out.append(case)

    with open(os.path.join(HERE, "robust.json"), "w") as f:
        json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": out}, f)
        f.write("\n")
    print(len(out), "cases")


if __name__ == "__main__":
    main()
