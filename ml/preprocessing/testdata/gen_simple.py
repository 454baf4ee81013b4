#!/usr/bin/python3
"""Writes simple.json: scikit-learn 1.2 MaxAbsScaler, Normalizer,
PolynomialFeatures and FunctionTransformer on the shared data sets, with the
same inputs as gen.py (make_x, transform_input, from gen_robust.py).

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/preprocessing/testdata/gen_simple.py
"""
import json
import os

import numpy as np
from sklearn.preprocessing import (FunctionTransformer, MaxAbsScaler,
                                   Normalizer, PolynomialFeatures)

# The inputs are gen.py's, rebuilt without pandas by gen_robust.py's helpers.
from gen_robust import HERE, make_x, nums, transform_input

FUNCS = {"log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt, "log": np.log,
         "exp": np.exp, "abs": np.abs, "square": np.square, "reciprocal": np.reciprocal}

CASES = [
    ("MaxAbsScaler", {}, "wine", "head"),
    ("MaxAbsScaler", {}, "diabetes", "shifted"),
    ("MaxAbsScaler", {}, "wine+nan+empty", "shifted"),
    ("Normalizer", {}, "wine", "head"),
    ("Normalizer", {"norm": "l1"}, "diabetes", "shifted"),
    ("Normalizer", {"norm": "max"}, "iris", "head"),
    ("PolynomialFeatures", {}, "iris", "head"),
    ("PolynomialFeatures", {"degree": 3}, "iris", "shifted"),
    ("PolynomialFeatures", {"interaction_only": True}, "wine", "head"),
    ("PolynomialFeatures", {"include_bias": False, "degree": 2}, "diabetes", "head"),
    ("FunctionTransformer", {}, "wine", "head"),
    ("FunctionTransformer", {"func": "log1p", "inverse_func": "expm1"}, "wine", "head"),
    ("FunctionTransformer", {"func": "sqrt", "inverse_func": "square"}, "iris", "shifted"),
    ("FunctionTransformer", {"func": "abs"}, "diabetes", "head"),
    ("FunctionTransformer", {"func": "reciprocal", "inverse_func": "reciprocal"}, "iris", "head"),
]


def build(cls, params):
    if cls == "FunctionTransformer":
        p = {k: FUNCS[v] for k, v in params.items()}
        return FunctionTransformer(**p, check_inverse=False)
    return {"MaxAbsScaler": MaxAbsScaler, "Normalizer": Normalizer,
            "PolynomialFeatures": PolynomialFeatures}[cls](**params)


def main():
    out = []
    for cls, params, x, how in CASES:
        X = make_x(x)
        e = build(cls, params).fit(X)
        T = transform_input(X, how)
        Z = e.transform(T)
        case = {"class": cls, "params": params, "x": x, "transform": how,
                "out": nums(Z), "out_shape": list(Z.shape), "attrs": {}}
        if cls == "MaxAbsScaler":
            case["attrs"] = {"max_abs_": nums(e.max_abs_), "scale_": nums(e.scale_)}
            case["inverse"] = nums(e.inverse_transform(Z))
        if cls == "FunctionTransformer":
            case["inverse"] = nums(e.inverse_transform(Z))
        out.append(case)
    with open(os.path.join(HERE, "simple.json"), "w") as f:
        json.dump(out, f)
    print(len(out), "cases")


if __name__ == "__main__":
    main()
