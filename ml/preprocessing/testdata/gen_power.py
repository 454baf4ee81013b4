#!/usr/bin/python3
"""Writes power.json: scikit-learn 1.2 PowerTransformer (scipy 1.10's brent
for the lambdas) on the shared data sets, with the inputs of gen.py
(make_x, transform_input, from gen_robust.py).

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/preprocessing/testdata/gen_power.py

Each case has lambdas_, the scaler's mean_ and scale_ (null without
standardize), the transform of the transform input and its
inverse_transform; NaN is written as null.
"""
import json
import os
import warnings

import numpy as np
from sklearn.preprocessing import PowerTransformer

from gen_kbins import fnums as nums  # ±inf as "inf" and "-inf"
from gen_robust import HERE, make_x, transform_input

CASES = [
    ({}, "wine", "head"),
    ({}, "diabetes", "shifted"),
    ({}, "iris", "head"),
    ({}, "breast_cancer", "shifted"),
    ({}, "wine+nan", "shifted"),
    ({}, "digits", "head"),
    ({}, "wine+nan+empty", "head"),
    ({"standardize": False}, "wine", "head"),
    ({"standardize": False}, "diabetes", "head"),
    ({"method": "box-cox"}, "wine", "head"),
    ({"method": "box-cox"}, "iris", "shifted"),
    ({"method": "box-cox"}, "diabetes", "head"),
    ({"method": "box-cox"}, "wine+nan", "head"),
    ({"method": "box-cox", "standardize": False}, "wine", "shifted"),
    ({"method": "box-cox", "standardize": False}, "iris", "head"),
]


def main():
    warnings.simplefilter("ignore")
    out = []
    for params, x, how in CASES:
        X = make_x(x)
        e = PowerTransformer(**params).fit(X)
        Z = e.transform(transform_input(X, how))
        std = getattr(e, "_scaler", None)
        case = {"class": "PowerTransformer", "params": params, "x": x, "transform": how,
                "attrs": {"lambdas_": nums(e.lambdas_),
                          "mean_": nums(std.mean_) if std else None,
                          "scale_": nums(std.scale_) if std else None},
                "out": nums(Z), "out_shape": list(Z.shape), "inverse": nums(e.inverse_transform(Z))}
        out.append(case)
    with open(os.path.join(HERE, "power.json"), "w") as f:
        json.dump(out, f)
    print(len(out), "cases")


if __name__ == "__main__":
    main()
