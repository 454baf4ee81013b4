#!/usr/bin/python3
"""Writes cities_gaps.csv and cities_gaps_new.csv (a text column, city,
and a numeric one, rooms, both with empty cells) and text_missing.json:
scikit-learn 1.2's ColumnTransformer (remainder="passthrough") of
OneHotEncoder / OrdinalEncoder on city and rooms, the empty cells read
as NaN as pandas.read_csv reads them, for train's missing-category test.

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_text_missing.py

"train" is fit_transform on every row of cities_gaps.csv, "new"
transform of cities_gaps_new.csv (with a city and a room count the
training data lacks); null is NaN.
"""
import csv
import json
import random

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

rng = random.Random(1)
CITIES = ["Paris", "Berlin", "Zürich", "amsterdam", ""]
rows = []
for i in range(30):
    rooms = rng.choice(["1", "2", "3", ""])
    rows.append([round(rng.uniform(0, 10), 2), rng.choice(CITIES), rooms, rng.choice(["yes", "no"])])
new = [[1.5, "", "2"], [2.0, "Rome", ""], [3.25, "Paris", "7"], [4.0, "Berlin", "3"]]


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


write("train/testdata/cities_gaps.csv", ["size", "city", "rooms", "bought"], rows)
write("train/testdata/cities_gaps_new.csv", ["size", "city", "rooms"], new)


def table(rows):
    out = np.empty((len(rows), 3), dtype=object)
    for i, r in enumerate(rows):
        out[i, 0] = float(r[0])
        out[i, 1] = r[1] if r[1] != "" else np.nan
        out[i, 2] = float(r[2]) if r[2] != "" else np.nan
    return out


X, Xn = table(rows), table(new)
cases = []
for name, params, enc in [
        ("OneHotEncoder", {"handle_unknown": "ignore"}, lambda: OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ("OrdinalEncoder", {"handle_unknown": "use_encoded_value", "unknown_value": -2, "encoded_missing_value": -1},
         lambda: OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-2, encoded_missing_value=-1))]:
    ct = ColumnTransformer([("e", enc(), [1, 2])], remainder="passthrough")
    Z = ct.fit_transform(X).astype(float)
    Zn = ct.transform(Xn).astype(float)
    cats = [[None if isinstance(c, float) and np.isnan(c) else c for c in cs] for cs in ct.named_transformers_["e"].categories_]
    cases.append({"type": name, "params": params, "columns": ["city", "rooms"], "categories": cats,
                  "train": np.where(np.isnan(Z), None, Z).tolist(), "new": np.where(np.isnan(Zn), None, Zn).tolist()})

with open("train/testdata/text_missing.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, ensure_ascii=False)
    f.write("\n")
