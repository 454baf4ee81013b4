#!/usr/bin/python3
"""Writes quantile.json: scikit-learn 1.2 QuantileTransformer on the shared
data sets, with the inputs of gen.py (make_x, transform_input, from
gen_robust.py).

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/preprocessing/testdata/gen_quantile.py

Each case has quantiles_ (n_quantiles_ x n_features, row-major),
references_, the transform of the transform input and its
inverse_transform; NaN is written as null and ±inf as "inf" and "-inf".
"""
import json
import os
import warnings

import numpy as np
from sklearn.preprocessing import QuantileTransformer

from gen_kbins import fnums as nums
from gen_robust import HERE, make_x, transform_input

CASES = [
    ({}, "wine", "head"),
    ({}, "diabetes", "shifted"),
    ({"output_distribution": "normal"}, "wine", "head"),
    ({"output_distribution": "normal"}, "iris", "shifted"),
    ({"output_distribution": "normal"}, "breast_cancer", "head"),
    ({}, "digits", "head"),
    ({"output_distribution": "normal", "n_quantiles": 300}, "digits", "shifted"),
    ({"n_quantiles": 10}, "wine", "head"),
    ({"n_quantiles": 7, "output_distribution": "normal"}, "diabetes", "head"),
    ({"n_quantiles": 1}, "iris", "head"),
    ({"n_quantiles": 2}, "iris", "shifted"),
    ({"n_quantiles": 100, "subsample": 150, "random_state": 0}, "digits", "head"),
    ({"n_quantiles": 50, "subsample": 200, "random_state": 3, "output_distribution": "normal"}, "breast_cancer", "shifted"),
    ({}, "wine+nan", "shifted"),
    ({"output_distribution": "normal"}, "wine+nan", "head"),
    ({}, "wine+nan+empty", "head"),
]


def main():
    warnings.simplefilter("ignore")
    out = []
    for params, x, how in CASES:
        X = make_x(x)
        e = QuantileTransformer(**params).fit(X)
        Z = e.transform(transform_input(X, how))
        case = {"class": "QuantileTransformer", "params": params, "x": x, "transform": how,
                "attrs": {"quantiles_": nums(e.quantiles_), "references_": nums(e.references_)},
                "out": nums(Z), "out_shape": list(Z.shape), "inverse": nums(e.inverse_transform(Z))}
        out.append(case)
    with open(os.path.join(HERE, "quantile.json"), "w") as f:
        json.dump(out, f)
    print(len(out), "cases")


if __name__ == "__main__":
    main()
