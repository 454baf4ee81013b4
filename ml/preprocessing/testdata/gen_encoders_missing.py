#!/usr/bin/python3
"""Writes encoders_missing.json: scikit-learn 1.2 OneHotEncoder and
OrdinalEncoder with missing values (NaN, a category of its own, sorted
last), explicit categories lists, OrdinalEncoder's unknown_value and
encoded_missing_value, and LabelEncoder's classes_ on text labels.

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/preprocessing/testdata/gen_encoders_missing.py

NaN is written as null. Each case has X (fit), T (transform input), the
params, categories_ per feature, the transform of T (OneHotEncoder's
dense) and its inverse_transform (None and "infrequent_sklearn" as
null), or error: the start of scikit-learn's message when fit refuses.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, OrdinalEncoder

assert sklearn.__version__.startswith("1.2"), sklearn.__version__
HERE = os.path.dirname(os.path.abspath(__file__))
nan = np.nan

X = np.array([[1, 5, nan, 0], [2, nan, 3, 1], [1, 5, 3, 0], [nan, 7, 4, 1],
              [2, 5, nan, 0], [1, 7, 3, 1], [2, 5, 4, 0]], dtype=float)
T = np.array([[nan, 5, 3, 0], [2, 7, nan, 1], [1, nan, 4, 0], [2, 5, 3, 1]], dtype=float)
TU = np.array([[9, 5, 3, 0], [2, 7, nan, nan], [1, 6, 4, 0], [nan, 5, 3, 1]], dtype=float)  # unknowns

CASES = [
    ("OneHotEncoder", {}, "T"),
    ("OneHotEncoder", {"handle_unknown": "ignore"}, "TU"),
    ("OneHotEncoder", {"drop": "first"}, "T"),
    ("OneHotEncoder", {"drop": "if_binary", "handle_unknown": "ignore"}, "TU"),
    ("OneHotEncoder", {"min_frequency": 2}, "T"),
    ("OneHotEncoder", {"max_categories": 2, "handle_unknown": "infrequent_if_exist"}, "TU"),
    ("OneHotEncoder", {"categories": [[1, 2, nan], [5, 6, 7, nan], [3, 4, nan], [0, 1]]}, "T"),
    ("OneHotEncoder", {"categories": [[0, 1, 2], [5, 7, nan], [3, 4, nan], [0, 1, 2]], "handle_unknown": "ignore"}, "TU"),
    ("OneHotEncoder", {"categories": [[1, 2], [5, 7, nan], [3, 4, nan], [0, 1]]}, "fit_error"),
    ("OrdinalEncoder", {}, "T"),
    ("OrdinalEncoder", {"encoded_missing_value": -1}, "T"),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": -2, "encoded_missing_value": -1}, "TU"),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": 9}, "TU"),
    ("OrdinalEncoder", {"categories": [[0, 1, 2, nan], [5, 6, 7, nan], [3, 4, nan], [0, 1]],
                        "handle_unknown": "use_encoded_value", "unknown_value": 9, "encoded_missing_value": 8}, "TU"),
    ("OrdinalEncoder", {"encoded_missing_value": 2}, "fit_error"),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": 2}, "fit_error"),
]


def nums(a):
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def objnums(a):
    a = np.asarray(a, dtype=object)
    return nums(np.array([nan if v is None or isinstance(v, str) else v for v in a.ravel()], dtype=np.float64))


def jparams(p):
    out = dict(p)
    if "categories" in p:
        out["categories"] = [[None if isinstance(v, float) and np.isnan(v) else v for v in c] for c in p["categories"]]
    return out


def main():
    warnings.simplefilter("ignore")
    out = {"X": [nums(r) for r in X], "T": [nums(r) for r in T], "TU": [nums(r) for r in TU], "cases": [], "labels": []}
    for cls, params, how in CASES:
        kw = dict(params)
        if "categories" in kw:
            kw["categories"] = [np.array(c, dtype=float) for c in kw["categories"]]
        e = {"OneHotEncoder": OneHotEncoder, "OrdinalEncoder": OrdinalEncoder}[cls](**kw)
        case = {"class": cls, "params": jparams(params), "input": how}
        if how == "fit_error":
            try:
                e.fit(X)
                raise SystemExit(f"{cls} {params} fitted")
            except ValueError as err:
                case["error"] = str(err)
            out["cases"].append(case)
            continue
        e.fit(X)
        Tin = {"T": T, "TU": TU}[how]
        Z = e.transform(Tin)
        if hasattr(Z, "toarray"):
            Z = Z.toarray()
        case.update({"categories": [nums(c) for c in e.categories_], "out": nums(Z), "out_shape": list(Z.shape),
                     "inverse": objnums(e.inverse_transform(Z))})
        out["cases"].append(case)
    for labels in [["b", "a", "c", "a"], ["New York", "berlin", "Berlin", "amsterdam", "Zürich", "Ärhus", "10", "9", "b"]]:
        le = LabelEncoder().fit(labels)
        out["labels"].append({"labels": labels, "classes": list(le.classes_), "encoded": [int(v) for v in le.transform(labels)]})
    with open(os.path.join(HERE, "encoders_missing.json"), "w") as f:
        json.dump(out, f)
    print(len(out["cases"]), "cases")


if __name__ == "__main__":
    main()
