#!/usr/bin/python3
"""Writes cities.csv (a table with two text feature columns),
cities_new.csv (rows to predict, with strings the training
data lacks) and text_columns.json: scikit-learn 1.2's ColumnTransformer
(remainder="passthrough") of OneHotEncoder / OrdinalEncoder on the text
columns, for train's text-column parity test.

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_text_columns.py

The columns are read as Python strings, as pandas.read_csv would give
them (mlforge's encoders refuse missing values, so there are none); "train" is fit_transform on every row of
cities.csv, "new" transform of cities_new.csv, with
handle_unknown="ignore" (OneHotEncoder) or "use_encoded_value" with
unknown_value=-1 (OrdinalEncoder).
"""
import csv
import json
import random

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

rng = random.Random(0)
CITIES = ["Paris", "London", "Berlin", "Zürich", "amsterdam", "Ávila", "New York"]
COLORS = ["red", "green", "blue"]
rows = []
for i in range(40):
    city = rng.choice(CITIES)
    rows.append([round(rng.uniform(0, 10), 2), city, rng.choice(COLORS), rng.choice(["yes", "no"])])
new = [[1.5, "Paris", "green"], [2.0, "Rome", "red"], [3.25, "Oslo", "purple"], [4.0, "Ávila", "blue"]]


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


write("train/testdata/cities.csv", ["size", "city", "color", "bought"], rows)
write("train/testdata/cities_new.csv", ["size", "city", "color"], new)


def table(rows):
    out = np.empty((len(rows), 3), dtype=object)
    for i, r in enumerate(rows):
        out[i, 0] = float(r[0])
        out[i, 1] = r[1] if r[1] != "" else np.nan
        out[i, 2] = r[2]
    return out


X, Xn = table(rows), table(new)
cases = []
for name, enc in [("OneHotEncoder", lambda: OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                  ("OrdinalEncoder", lambda: OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))]:
    ct = ColumnTransformer([("e", enc(), [1, 2])], remainder="passthrough")
    Z = ct.fit_transform(X).astype(float)
    Zn = ct.transform(Xn).astype(float)
    cats = [[c if isinstance(c, str) else None for c in cs] for cs in ct.named_transformers_["e"].categories_]
    cases.append({"type": name, "columns": ["city", "color"], "categories": cats,
                  "train": np.where(np.isnan(Z), None, Z).tolist(), "new": np.where(np.isnan(Zn), None, Zn).tolist()})

with open("train/testdata/text_columns.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, ensure_ascii=False)
    f.write("\n")
