#!/usr/bin/python3
"""Writes encoders.json: scikit-learn 1.2 OneHotEncoder and OrdinalEncoder
on the shared data sets (numeric categories: every distinct value of a
feature is a category), with the inputs of gen.py (make_x,
transform_input, from gen_robust.py).

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/preprocessing/testdata/gen_encoders.py

Each case has categories_ (all features' categories, concatenated),
n_categories (their number per feature), the transform of the transform
input (OneHotEncoder's densified with toarray()) and its inverse_transform,
in which scikit-learn's None (an unknown category) and "infrequent_sklearn"
are written as null (NaN, as mlforge returns them). OneHotEncoder cases also
have n_features_outs (the output columns per feature), drop_idx_ (null for
None or a feature without a dropped category) and infrequent_categories_
(the infrequent categories of all features, concatenated).
"""
import json
import os
import warnings

import numpy as np
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from gen_robust import HERE, make_x, nums, transform_input

CASES = [
    ("OneHotEncoder", {}, "iris", "head"),
    ("OneHotEncoder", {"handle_unknown": "ignore"}, "iris", "shifted"),
    ("OneHotEncoder", {"sparse_output": False}, "digits", "head"),
    ("OneHotEncoder", {"drop": "first"}, "iris", "head"),
    ("OneHotEncoder", {"drop": "if_binary"}, "digits", "head"),
    ("OneHotEncoder", {"drop": "first", "handle_unknown": "ignore"}, "digits", "shifted"),
    ("OneHotEncoder", {"drop": "if_binary", "handle_unknown": "ignore"}, "diabetes", "shifted"),
    ("OneHotEncoder", {"min_frequency": 5}, "digits", "head"),
    ("OneHotEncoder", {"min_frequency": 0.1, "handle_unknown": "infrequent_if_exist"}, "digits", "shifted"),
    ("OneHotEncoder", {"max_categories": 3}, "iris", "head"),
    ("OneHotEncoder", {"max_categories": 4, "min_frequency": 3, "drop": "if_binary"}, "digits", "head"),
    ("OneHotEncoder", {"max_categories": 2, "drop": "first", "handle_unknown": "infrequent_if_exist"}, "iris", "shifted"),
    ("OneHotEncoder", {"min_frequency": 10, "handle_unknown": "ignore"}, "digits", "shifted"),
    ("OneHotEncoder", {"min_frequency": 3, "drop": "first"}, "wine", "head"),
    ("OrdinalEncoder", {}, "iris", "head"),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": -1}, "iris", "shifted"),
    ("OrdinalEncoder", {}, "digits", "head"),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": 99}, "digits", "shifted"),
    ("OrdinalEncoder", {}, "wine", "head"),
]


def objnums(a):
    """An inverse_transform result: None and strings become NaN."""
    a = np.asarray(a, dtype=object)
    return nums(np.array([np.nan if v is None or isinstance(v, str) else v for v in a.ravel()], dtype=np.float64))


def main():
    warnings.simplefilter("ignore")
    out = []
    for cls, params, x, how in CASES:
        X = make_x(x)
        e = {"OneHotEncoder": OneHotEncoder, "OrdinalEncoder": OrdinalEncoder}[cls](**params).fit(X)
        Z = e.transform(transform_input(X, how))
        if hasattr(Z, "toarray"):
            Z = Z.toarray()
        attrs = {"categories_": nums(np.concatenate(e.categories_)),
                 "n_categories": [len(c) for c in e.categories_]}
        if cls == "OneHotEncoder":
            attrs["n_features_outs"] = list(e._n_features_outs)
            attrs["drop_idx_"] = None if e.drop_idx_ is None else [None if v is None else int(v) for v in e.drop_idx_]
            infreq = [c for c in e.infrequent_categories_ if c is not None] if e._infrequent_enabled else []
            attrs["infrequent_categories_"] = nums(np.concatenate(infreq)) if infreq else []
        case = {"class": cls, "params": params, "x": x, "transform": how, "attrs": attrs,
                "out": nums(Z), "out_shape": list(Z.shape), "inverse": objnums(e.inverse_transform(Z))}
        out.append(case)
    with open(os.path.join(HERE, "encoders.json"), "w") as f:
        json.dump(out, f)
    print(len(out), "cases")


if __name__ == "__main__":
    main()
