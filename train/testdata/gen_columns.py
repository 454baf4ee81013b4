#!/usr/bin/python3
"""Writes columns.json: scikit-learn 1.2's ColumnTransformer with one
transformer and remainder="passthrough" on the whole built-in iris, for
train's column-selection parity test and the CLI's round trip.

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_columns.py

Each case names the selected columns (mlforge's names of iris's features)
and the transformer; "transformed" is ColumnTransformer.fit_transform(X)
and "knn_pred" the classes (indices into iris's sorted target names) that
make_pipeline(ColumnTransformer(...), KNeighborsClassifier()) fitted on
every row predicts for every row.
"""
import json

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
X, y = load_iris(return_X_y=True)

cases = []
for cls, cols in [(StandardScaler, ["petal_width", "sepal_length"]),
                  (MinMaxScaler, ["sepal_width"])]:
    idx = [NAMES.index(c) for c in cols]
    ct = ColumnTransformer([("t", cls(), idx)], remainder="passthrough")
    Z = ct.fit_transform(X)
    pipe = make_pipeline(ColumnTransformer([("t", cls(), idx)], remainder="passthrough"),
                         KNeighborsClassifier())
    pred = pipe.fit(X, y).predict(X)
    cases.append({"type": cls.__name__, "columns": cols,
                  "transformed": Z.tolist(), "knn_pred": pred.tolist()})

with open("train/testdata/columns.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
    f.write("\n")
