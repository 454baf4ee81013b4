#!/usr/bin/python3
"""Writes text_categories.json: scikit-learn 1.2's ColumnTransformer
(remainder="passthrough") of OneHotEncoder / OrdinalEncoder with explicit
categories (a text column's strings in an order of their own, with a
string the data lacks, with and without null for the missing category)
on the columns of cities_gaps.csv (written by gen_text_missing.py; empty
cells read as NaN as pandas.read_csv reads them), for train's
TestTextCategoriesMatchScikitLearn.

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_text_categories.py

"train" is fit_transform on every row of cities_gaps.csv, "new"
transform of cities_gaps_new.csv; null is NaN (in a list of categories,
the missing category).
"""
import csv
import json

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    out = np.empty((len(rows), 3), dtype=object)
    for i, r in enumerate(rows):
        out[i, 0] = float(r[0])
        out[i, 1] = r[1] if r[1] != "" else np.nan
        out[i, 2] = float(r[2]) if r[2] != "" else np.nan
    return out


X = read("train/testdata/cities_gaps.csv")
Xn = read("train/testdata/cities_gaps_new.csv")
CITY = ["Zürich", "Paris", "Berlin", "amsterdam", "Oslo"]
cases = [
    ("OneHotEncoder", {"handle_unknown": "ignore", "categories": [CITY + [None], [1, 2, 3, None]]}, ["city", "rooms"]),
    ("OneHotEncoder", {"handle_unknown": "ignore", "categories": [["Paris", "Berlin", "Zürich", "amsterdam"], [1, 2, 3, None]]}, ["city", "rooms"]),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": -2, "encoded_missing_value": -1,
                        "categories": [["amsterdam", "Zürich", "Paris", "Berlin", None], [1, 2, 3, None]]}, ["city", "rooms"]),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": -2, "encoded_missing_value": -1,
                        "categories": [CITY, [1, 2, 3, None]]}, ["city", "rooms"]),
    # null in the middle or first of a text list: scikit-learn 1.2 takes
    # np.nan anywhere among an object column's categories, keeps the order
    # in categories_ and the output (OneHotEncoder's missing column where
    # the null is; OrdinalEncoder's codes the positions, the missing value
    # encoded_missing_value or NaN). (None, unlike np.nan, would be a
    # category of its own that the NaN of an empty cell never matches: the
    # spec's null is the missing value, np.nan.)
    ("OneHotEncoder", {"handle_unknown": "ignore", "categories": [["Paris", None, "Berlin", "Zürich", "amsterdam"], [1, 2, 3, None]]}, ["city", "rooms"]),
    ("OneHotEncoder", {"handle_unknown": "ignore", "drop": "first", "categories": [[None, "amsterdam", "Paris", "Berlin", "Zürich"], [1, 2, 3, None]]}, ["city", "rooms"]),
    ("OneHotEncoder", {"handle_unknown": "ignore", "categories": [["Berlin", None, "Paris"], [1, 2, 3, None]]}, ["city", "rooms"]),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": -2, "encoded_missing_value": -1,
                        "categories": [["Berlin", None, "Paris", "Zürich"], [1, 2, 3, None]]}, ["city", "rooms"]),
    ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": -2, "encoded_missing_value": 9,
                        "categories": [["Paris", "amsterdam", None, "Zürich", "Berlin"], [1, 2, 3, None]]}, ["city", "rooms"]),
]
out = []
for name, params, columns in cases:
    kw = dict(params)
    kw["categories"] = [[np.nan if v is None else v for v in l] for l in params["categories"]]
    if name == "OneHotEncoder":
        enc = OneHotEncoder(sparse_output=False, **kw)
    else:
        enc = OrdinalEncoder(**kw)
    idx = [{"city": 1, "rooms": 2}[c] for c in columns]
    ct = ColumnTransformer([("e", enc, idx)], remainder="passthrough")
    Z = ct.fit_transform(X).astype(float)
    Zn = ct.transform(Xn).astype(float)
    out.append({"type": name, "params": params, "columns": columns,
                "train": np.where(np.isnan(Z), None, Z).tolist(), "new": np.where(np.isnan(Zn), None, Zn).tolist()})

with open("train/testdata/text_categories.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": out}, f, ensure_ascii=False)
    f.write("\n")
