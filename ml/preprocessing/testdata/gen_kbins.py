#!/usr/bin/python3
"""Writes kbins.json: scikit-learn 1.2 KBinsDiscretizer on the shared data
sets, with the inputs of gen.py (make_x, transform_input, from gen_robust.py).

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/preprocessing/testdata/gen_kbins.py

Each case has bin_edges_ (the edges of every feature, concatenated; ±inf
written as the strings "inf" and "-inf"), n_bins_, the transform of the
transform input (dense: encode "onehot" is densified with toarray()) and
its inverse_transform (NaN, written as null, for a constant feature).
"""
import json
import os
import warnings

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from gen_robust import HERE, make_x, nums, transform_input


def fnums(a):
    """nums, with ±inf written as the strings "inf" and "-inf"."""
    return [("inf" if v > 0 else "-inf") if isinstance(v, float) and np.isinf(v) else v for v in nums(a)]


CASES = [
    ({}, "iris", "head"),
    ({}, "wine", "shifted"),
    ({"encode": "ordinal"}, "diabetes", "shifted"),
    ({"encode": "onehot-dense", "strategy": "uniform"}, "wine", "head"),
    ({"encode": "ordinal", "strategy": "uniform", "n_bins": 7}, "diabetes", "shifted"),
    ({"encode": "ordinal", "strategy": "kmeans"}, "wine", "head"),
    ({"strategy": "kmeans", "n_bins": 3}, "iris", "shifted"),
    ({"encode": "ordinal", "strategy": "kmeans", "n_bins": 8}, "diabetes", "head"),
    ({"encode": "ordinal", "strategy": "kmeans", "n_bins": 6}, "breast_cancer", "shifted"),
    ({"encode": "ordinal"}, "digits", "head"),
    ({"encode": "onehot-dense", "n_bins": 10}, "digits", "shifted"),
    ({"encode": "ordinal", "strategy": "kmeans", "n_bins": 4}, "digits", "head"),
    ({"encode": "ordinal", "strategy": "uniform"}, "digits", "head"),
    ({"encode": "ordinal", "subsample": 100, "random_state": 0}, "wine", "head"),
    ({"encode": "ordinal", "subsample": 500, "random_state": 3, "n_bins": 4}, "breast_cancer", "head"),
    ({"n_bins": 2}, "breast_cancer", "head"),
    ({"n_bins": [2, 3, 4, 5], "strategy": "kmeans"}, "iris", "shifted"),
    ({"n_bins": [3, 9, 4, 2], "encode": "onehot-dense", "strategy": "uniform"}, "iris", "head"),
]


def main():
    out = []
    warnings.simplefilter("ignore")
    for params, x, how in CASES:
        X = make_x(x)
        e = KBinsDiscretizer(**params).fit(X)
        Z = e.transform(transform_input(X, how))
        if hasattr(Z, "toarray"):
            Z = Z.toarray()
        case = {"class": "KBinsDiscretizer", "params": params, "x": x, "transform": how,
                "attrs": {"bin_edges_": fnums(np.concatenate(list(e.bin_edges_))),
                          "n_bins_": nums(e.n_bins_)},
                "out": nums(Z), "out_shape": list(Z.shape), "inverse": nums(e.inverse_transform(Z))}
        out.append(case)
    with open(os.path.join(HERE, "kbins.json"), "w") as f:
        json.dump(out, f)
    print(len(out), "cases")


if __name__ == "__main__":
    main()
