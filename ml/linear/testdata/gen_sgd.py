#!/usr/bin/python3
"""Writes scikit-learn 1.2.1 reference values for sgd_test.go into
sklearn_sgd.json. Run from the repository root:

    /usr/bin/python3 ml/linear/testdata/gen_sgd.py

With --quality it instead prints the held-out scores that
sgd_shuffle_test.go quotes (shuffle=True, random_state=0, every 4th row
held out, with and without early stopping).

Features are standardised (mean 0, std 1, numpy's population std) as the
test does. With shuffle=False the fits are deterministic; with shuffle the
permutations come from the seeds scikit-learn draws from
RandomState(random_state), which mlforge draws the same way.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import (PassiveAggressiveClassifier, PassiveAggressiveRegressor, Perceptron,
                                  SGDClassifier, SGDRegressor)

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
    return (X - X.mean(0)) / X.std(0), y


CLASSES = {"SGDClassifier": SGDClassifier, "SGDRegressor": SGDRegressor, "Perceptron": Perceptron,
           "PassiveAggressiveClassifier": PassiveAggressiveClassifier,
           "PassiveAggressiveRegressor": PassiveAggressiveRegressor}

CASES = [
    ("SGDClassifier", "iris", {"shuffle": False}),
    ("SGDClassifier", "breast_cancer", {"shuffle": False, "loss": "log_loss"}),
    ("SGDClassifier", "wine", {"shuffle": False, "loss": "modified_huber", "penalty": "elasticnet", "alpha": 0.001}),
    ("SGDClassifier", "breast_cancer", {"shuffle": False, "loss": "squared_hinge", "penalty": "l1", "alpha": 0.01, "class_weight": "balanced"}),
    ("SGDClassifier", "iris", {"shuffle": False, "learning_rate": "adaptive", "eta0": 0.1, "average": 1}),
    ("Perceptron", "wine", {"shuffle": False}),
    ("SGDRegressor", "diabetes", {"shuffle": False}),
    ("SGDRegressor", "diabetes", {"shuffle": False, "loss": "huber", "epsilon": 50.0, "penalty": "l1", "alpha": 0.01, "learning_rate": "constant", "eta0": 0.001}),
    ("SGDRegressor", "diabetes", {"shuffle": False, "loss": "epsilon_insensitive", "epsilon": 5.0, "eta0": 0.1}),
    # The averaged weights with the L1 step (scikit-learn's lazy average).
    ("SGDClassifier", "wine", {"shuffle": False, "penalty": "elasticnet", "alpha": 0.001, "average": 10}),
    ("SGDRegressor", "diabetes", {"shuffle": False, "penalty": "l1", "alpha": 0.01, "average": True}),
    ("SGDClassifier", "breast_cancer", {"shuffle": False, "loss": "log"}),
    ("SGDClassifier", "iris", {"shuffle": False, "loss": "squared_error", "learning_rate": "invscaling", "eta0": 0.01}),
    ("Perceptron", "iris", {"shuffle": False, "penalty": "l1", "alpha": 0.001}),
    ("PassiveAggressiveClassifier", "iris", {"shuffle": False}),
    ("PassiveAggressiveClassifier", "breast_cancer", {"shuffle": False, "loss": "squared_hinge", "C": 0.1, "average": True}),
    ("PassiveAggressiveClassifier", "wine", {"shuffle": False, "class_weight": "balanced", "C": 0.5}),
    ("PassiveAggressiveRegressor", "diabetes", {"shuffle": False, "epsilon": 1.0}),
    ("PassiveAggressiveRegressor", "diabetes", {"shuffle": False, "loss": "squared_epsilon_insensitive", "C": 0.01, "average": 100}),
    # shuffle (the default): the seeds are drawn from numpy's
    # RandomState(random_state) as scikit-learn draws them.
    ("SGDClassifier", "iris", {"random_state": 0}),
    ("SGDClassifier", "iris", {"random_state": 0, "loss": "log_loss"}),
    ("SGDClassifier", "breast_cancer", {"random_state": 3, "loss": "log_loss"}),
    ("SGDClassifier", "wine", {"random_state": 0, "max_iter": 5, "tol": None}),
    ("Perceptron", "wine", {}),
    ("SGDRegressor", "diabetes", {"random_state": 0}),
    ("SGDRegressor", "diabetes", {"random_state": 11, "loss": "huber", "epsilon": 20.0, "learning_rate": "adaptive", "eta0": 0.05}),
    ("PassiveAggressiveClassifier", "wine", {"random_state": 5}),
    ("PassiveAggressiveRegressor", "diabetes", {"random_state": 2}),
    ("SGDClassifier", "breast_cancer", {"random_state": 8, "fit_intercept": False, "loss": "modified_huber"}),
    ("SGDClassifier", "wine", {"random_state": 9, "class_weight": {"0": 2.0, "2": 0.5}, "penalty": "l1", "alpha": 0.001}),
    ("SGDRegressor", "diabetes", {"random_state": 10, "loss": "squared_epsilon_insensitive", "epsilon": 2.0, "fit_intercept": False}),
    ("SGDRegressor", "diabetes", {"random_state": 12, "tol": None, "max_iter": 20, "learning_rate": "constant", "eta0": 0.001, "penalty": None}),
    # early stopping: the split is scikit-learn's (Stratified)ShuffleSplit
    # from RandomState(random_state), the score its raw-weight score.
    ("SGDClassifier", "wine", {"random_state": 0, "early_stopping": True}),
    ("SGDClassifier", "breast_cancer", {"random_state": 1, "early_stopping": True, "loss": "log_loss", "validation_fraction": 0.2}),
    ("SGDClassifier", "iris", {"random_state": 4, "early_stopping": True, "average": True, "penalty": "elasticnet"}),
    ("SGDRegressor", "diabetes", {"random_state": 0, "early_stopping": True, "n_iter_no_change": 3}),
    ("SGDRegressor", "diabetes", {"random_state": 6, "early_stopping": True, "average": 50, "learning_rate": "adaptive"}),
    ("Perceptron", "iris", {"random_state": 2, "early_stopping": True, "penalty": "l2"}),
    ("PassiveAggressiveClassifier", "wine", {"random_state": 3, "early_stopping": True}),
    ("PassiveAggressiveRegressor", "diabetes", {"random_state": 1, "early_stopping": True, "loss": "squared_epsilon_insensitive"}),
]


def main():
    warnings.simplefilter("ignore")
    out = {"sklearn": sklearn.__version__, "cases": []}
    for name, data, params in CASES:
        X, y = load(data)
        kw = dict(params)
        if isinstance(kw.get("class_weight"), dict):
            kw["class_weight"] = {float(k): v for k, v in kw["class_weight"].items()}
        m = CLASSES[name](**kw).fit(X, y)
        out["cases"].append({
            "class": name, "data": data, "params": params,
            "coef": np.atleast_2d(m.coef_).tolist(),
            "intercept": np.atleast_1d(m.intercept_).tolist(),
            "n_iter": int(m.n_iter_), "score": float(m.score(X, y)),
        })
        if params.get("loss") in ("log_loss", "log", "modified_huber"):
            out["cases"][-1]["proba"] = m.predict_proba(X[:10]).tolist()
    with open(os.path.join(HERE, "sklearn_sgd.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


QUALITY = [
    ("SGDClassifier", "breast_cancer", {"loss": "log_loss"}),
    ("SGDClassifier", "digits", {}),
    ("SGDRegressor", "diabetes", {}),
    ("Perceptron", "digits", {}),
    ("PassiveAggressiveClassifier", "digits", {}),
    ("PassiveAggressiveRegressor", "diabetes", {}),
    # early stopping: mlforge's validation split is its own
    ("SGDClassifier", "breast_cancer", {"early_stopping": True}),
    ("SGDClassifier", "digits", {"early_stopping": True, "loss": "log_loss"}),
    ("SGDRegressor", "diabetes", {"early_stopping": True}),
    ("Perceptron", "digits", {"early_stopping": True}),
    ("PassiveAggressiveClassifier", "breast_cancer", {"early_stopping": True}),
    ("PassiveAggressiveRegressor", "diabetes", {"early_stopping": True}),
]


def quality():
    warnings.simplefilter("ignore")
    for name, data, kw in QUALITY:
        X, y = load(data)
        X = np.nan_to_num(X)
        tr = np.arange(len(y)) % 4 != 0
        m = CLASSES[name](random_state=0, **kw).fit(X[tr], y[tr])
        print(name, data, json.dumps(kw), repr(m.score(X[~tr], y[~tr])))


if __name__ == "__main__":
    import sys
    quality() if "--quality" in sys.argv else main()
