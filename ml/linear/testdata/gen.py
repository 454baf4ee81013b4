#!/usr/bin/python3
"""Writes the scikit-learn reference values for the ml/linear parity tests.

Run from the repository root with Debian's scikit-learn 1.2
(apt-get install python3-sklearn):

    /usr/bin/python3 ml/linear/testdata/gen.py

For every case it fits on a train split whose row indices it saves (so Go
uses the same split), then records the fitted coefficients and, on the test
rows, predictions, probabilities and decision values, plus the held-out
accuracy or R². Classification data for LogisticRegression is standardised
first when the case says "scaled": (X - mean) / std over all rows with
numpy's population std (ddof=0); digits is divided by 16 instead ("divide",
as some pixels are constant). Go applies the same formulas.
"""
import gzip
import json
import os

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def load(path):
    full = os.path.join(ROOT, path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(full, "rt") as f:
        lines = f.read().strip().split("\n")[1:]
    rows = [l.split(",") for l in lines]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    t = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        names = sorted(set(t))  # LabelEncoder order, as testutil.LoadCSV
        y = np.array([float(names.index(v)) for v in t])
    return X, y


SPLITS = {}


def split(key, n, stratify=None):
    """Returns the split's key in SPLITS and its train and test indices."""
    idx = np.arange(n)
    tr, te = train_test_split(idx, test_size=0.25, random_state=0, stratify=stratify)
    key = key + ("/stratified" if stratify is not None else "")
    SPLITS[key] = {"train": tr.tolist(), "test": te.tolist()}
    return key, tr, te


def scale(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def tolist(a):
    return np.asarray(a, dtype=float).tolist()


DATA = {
    "iris": "data/datasets/iris.csv",
    "wine": "data/datasets/wine.csv",
    "breast_cancer": "data/datasets/breast_cancer.csv",
    "diabetes": "data/datasets/diabetes.csv",
    "digits": "data/datasets/digits.csv",
    "synthetic_cls": "testdata/synthetic/classification_10k.csv.gz",
    "synthetic_reg": "testdata/synthetic/regression_10k.csv.gz",
}
# At most this many test rows of outputs are stored per case, to keep the
# fixtures small; metrics use all test rows.
MAX_ROWS = 500


def regression_cases():
    out = []
    specs = [
        ("diabetes", "LinearRegression", {}),
        ("diabetes", "LinearRegression", {"fit_intercept": False}),
        ("synthetic_reg", "LinearRegression", {}),
        ("diabetes", "LinearRegression", {"positive": True}),
        ("diabetes", "LinearRegression", {"positive": True, "fit_intercept": False}),
        ("synthetic_reg", "LinearRegression", {"positive": True}),
        ("diabetes", "Ridge", {}),
        ("diabetes", "Ridge", {"alpha": 0.01, "fit_intercept": False}),
        ("diabetes", "Ridge", {"alpha": 3.0, "solver": "svd"}),
        ("synthetic_reg", "Ridge", {"alpha": 10.0}),
    ]
    for data, cls, params in specs:
        X, y = load(DATA[data])
        key, tr, te = split(data, len(y))
        est = {"LinearRegression": LinearRegression, "Ridge": Ridge}[cls](**params)
        est.fit(X[tr], y[tr])
        case = {
            "name": f"{cls}/{data}/{json.dumps(params, sort_keys=True)}",
            "class": cls, "data": DATA[data], "params": params,
            "split": key,
            "coef": tolist(est.coef_), "intercept": float(est.intercept_),
            "predict": tolist(est.predict(X[te[:MAX_ROWS]])),
            "score": float(est.score(X[te], y[te])),
        }
        if cls == "LinearRegression" and not params.get("positive"):
            case["rank"] = int(est.rank_)
            case["singular"] = tolist(est.singular_)
        out.append(case)
    # A rank-deficient design: duplicated and zero columns; lstsq returns
    # the minimum-norm solution.
    X, y = load(DATA["diabetes"])
    Xd = np.hstack([X, X[:, :2], np.zeros((X.shape[0], 1))])
    est = LinearRegression().fit(Xd, y)
    out.append({
        "name": "LinearRegression/diabetes-rank-deficient", "class": "LinearRegression",
        "data": DATA["diabetes"], "params": {}, "augment": "dup01_zero",
        "split": "all",
        "coef": tolist(est.coef_), "intercept": float(est.intercept_),
        "predict": tolist(est.predict(Xd[:MAX_ROWS])), "score": float(est.score(Xd, y)),
        "rank": int(est.rank_), "singular": tolist(est.singular_),
    })
    # More features than samples (8 rows, 10 features): Ridge takes the
    # dual (kernel) path, LinearRegression returns the minimum-norm solution.
    X, y = load(DATA["diabetes"])
    Xw = X[:8]
    for cls, params in [("Ridge", {"alpha": 0.5}), ("Ridge", {"alpha": 0.5, "solver": "svd"}),
                        ("LinearRegression", {}), ("LinearRegression", {"positive": True})]:
        est = {"LinearRegression": LinearRegression, "Ridge": Ridge}[cls](**params).fit(Xw, y[:8])
        case = {
            "name": f"{cls}/diabetes-wide/{json.dumps(params, sort_keys=True)}", "class": cls,
            "data": DATA["diabetes"], "params": params, "split": "first8",
            "coef": tolist(est.coef_), "intercept": float(est.intercept_),
            "predict": tolist(est.predict(X[8:40])), "score": float(est.score(X[8:40], y[8:40])),
        }
        if cls == "LinearRegression" and not params.get("positive"):
            case["rank"] = int(est.rank_)
            case["singular"] = tolist(est.singular_)
        out.append(case)
    return out


def logistic_cases():
    out = []
    tight = {"tol": 1e-10, "max_iter": 10000}
    specs = [
        ("iris", False, {}),  # defaults: compared by accuracy and loosely
        ("iris", False, dict(tight)),
        ("iris", True, dict(tight, C=0.1)),
        ("iris", True, dict(tight, fit_intercept=False)),
        ("iris", True, dict(tight, multi_class="ovr")),
        ("wine", True, {}),
        ("wine", True, dict(tight)),
        ("breast_cancer", True, {}),
        ("breast_cancer", True, dict(tight)),
        ("breast_cancer", True, dict(tight, multi_class="multinomial", C=0.5)),
        ("digits", "div16", {}),
        ("digits", "div16", dict(tight, C=0.1)),
        ("synthetic_cls", False, {}),
        ("synthetic_cls", False, dict(tight)),
        ("synthetic_cls", False, dict(tight, penalty="none")),
        ("synthetic_bin", False, dict(tight, penalty="none")),
    ]
    for data, scaled, params in specs:
        if data == "synthetic_bin":
            X, y = load(DATA["synthetic_cls"])
            y = (y == 2).astype(float)  # class 2 against the rest
        else:
            X, y = load(DATA[data])
        if scaled == "div16":
            X = X / 16.0  # pixel intensities 0..16 to 0..1 (std scaling fails on constant pixels)
        elif scaled:
            X = scale(X)
        key, tr, te = split(data, len(y), stratify=y)
        est = LogisticRegression(**params).fit(X[tr], y[tr])
        n = te[:MAX_ROWS]
        prep = scaled + "/" if isinstance(scaled, str) else "scaled/" if scaled else ""
        out.append({
            "name": f"LogisticRegression/{data}/{prep}{json.dumps(params, sort_keys=True)}",
            "class": "LogisticRegression", "data": DATA.get(data, DATA["synthetic_cls"]),
            "binary_of": 2 if data == "synthetic_bin" else None,
            "scaled": scaled is True, "divide": 16.0 if scaled == "div16" else None,
            "params": params,
            "split": key,
            "classes": tolist(est.classes_),
            "coef": tolist(est.coef_), "intercept": tolist(est.intercept_),
            "n_iter": [int(v) for v in np.atleast_1d(est.n_iter_)],
            "predict": tolist(est.predict(X[n])),
            "predict_proba": tolist(est.predict_proba(X[n])),
            "decision_function": tolist(est.decision_function(X[n])),
            "score": float(est.score(X[te], y[te])),
        })
    return out


def main():
    import sklearn
    X, _ = load(DATA["diabetes"])
    SPLITS["all"] = {"train": list(range(len(X))), "test": list(range(len(X)))}
    SPLITS["first8"] = {"train": list(range(8)), "test": list(range(8, 40))}
    reg, logit = regression_cases(), logistic_cases()
    fixture = {"sklearn_version": sklearn.__version__, "splits": SPLITS,
               "regression": reg, "logistic": logit}
    with open(os.path.join(HERE, "sklearn_linear.json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
