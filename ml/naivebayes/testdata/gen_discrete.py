#!/usr/bin/python3
"""Writes the scikit-learn reference values for the MultinomialNB,
ComplementNB, BernoulliNB (and CategoricalNB) parity tests
(discrete_test.go) into sklearn_discrete.json.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/naivebayes/testdata/gen_discrete.py

Each case fits on the first 75% of the rows of a built-in dataset (raw
features; labels encoded in sorted order as testutil.LoadCSV does) and
stores the fitted attributes and, on up to 60 of the remaining rows
(test_rows), predict, predict_proba and predict_log_proba.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, MultinomialNB

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def load(name):
    with open(os.path.join(ROOT, "data/datasets", name + ".csv")) as f:
        rows = [l.split(",") for l in f.read().strip().split("\n")[1:]]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    t = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        names = sorted(set(t))
        y = np.array([float(names.index(v)) for v in t])
    return X, y


# At most this many test rows are stored per case, to keep the file small.
MAX_TEST = 60

CLASSES = {"MultinomialNB": MultinomialNB, "ComplementNB": ComplementNB,
           "BernoulliNB": BernoulliNB, "CategoricalNB": CategoricalNB}

CASES = [
    ("multinomial_digits", "MultinomialNB", "digits", {}),
    ("multinomial_digits_alpha", "MultinomialNB", "digits", {"alpha": 0.01, "fit_prior": False}),
    ("multinomial_iris_prior", "MultinomialNB", "iris", {"class_prior": [0.2, 0.3, 0.5]}),
    ("multinomial_wine_alpha0", "MultinomialNB", "wine", {"alpha": 0.0}),
    ("complement_digits", "ComplementNB", "digits", {}),
    ("complement_digits_norm", "ComplementNB", "digits", {"norm": True, "alpha": 0.3}),
    ("complement_wine", "ComplementNB", "wine", {}),
    ("bernoulli_digits", "BernoulliNB", "digits", {}),
    ("bernoulli_digits_7.5", "BernoulliNB", "digits", {"binarize": 7.5, "alpha": 0.1}),
    ("bernoulli_cancer", "BernoulliNB", "breast_cancer", {"binarize": 0.1, "fit_prior": False}),
    ("categorical_digits", "CategoricalNB", "digits", {}),
    ("categorical_digits_min", "CategoricalNB", "digits", {"min_categories": 20, "alpha": 0.5}),
    ("categorical_iris", "CategoricalNB", "iris", {"class_prior": [0.5, 0.25, 0.25]}),
]


def main():
    out = {"sklearn": sklearn.__version__, "cases": []}
    for name, cls, data, params in CASES:
        X, y = load(data)
        ntr = len(X) * 3 // 4
        Xtr, ytr = X[:ntr], y[:ntr]
        test = np.arange(ntr, len(X))
        if cls == "CategoricalNB":
            # scikit-learn truncates to int; the test rows must not hold a
            # category above those seen (scikit-learn raises IndexError).
            keep = (X[test].astype(int) <= Xtr.astype(int).max(axis=0)).all(axis=1)
            test = test[keep]
        test = test[:MAX_TEST]
        Xte = X[test]
        m = CLASSES[cls](**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(Xtr, ytr)
        case = {
            "name": name, "class": cls, "data": data, "train_rows": ntr, "params": params,
            "classes": m.classes_.tolist(), "class_count": m.class_count_.tolist(),
            "class_log_prior": m.class_log_prior_.tolist(),
            "test_rows": test.tolist(),
            "predict": m.predict(Xte).tolist(),
            "predict_proba": m.predict_proba(Xte).tolist(),
            "predict_log_proba": m.predict_log_proba(Xte).tolist(),
        }
        if cls == "CategoricalNB":
            case["feature_log_prob"] = [f.tolist() for f in m.feature_log_prob_]
            case["n_categories"] = m.n_categories_.tolist()
        else:
            case["feature_log_prob"] = m.feature_log_prob_.tolist()
            case["feature_count"] = m.feature_count_.tolist()
        out["cases"].append(case)
    with open(os.path.join(HERE, "sklearn_discrete.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
