"""Writes ml/neural/testdata/parity.json: held-out scores of scikit-learn's
MLPClassifier and MLPRegressor on the shared datasets.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/neural/testdata/gen.py

For each case the features are standardised with a StandardScaler fitted on
the training part of a train_test_split (test_size 0.25, random_state 0,
stratified for classifiers), the estimator is fitted with random_state 0, 1
and 2 (0 to 4 for the faster cases), and the mean held-out score (accuracy or R²) is recorded with the
split's indices, so the Go test reproduces the same data exactly. Weights
cannot match (the random initialisations differ), so the Go test compares
the mean scores.
"""
import json
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore", ConvergenceWarning)

CASES = [
    ("iris", "MLPClassifier", {}),
    ("iris", "MLPClassifier", {"solver": "sgd", "learning_rate_init": 0.05, "max_iter": 300}),
    ("wine", "MLPClassifier", {}),
    ("wine", "MLPClassifier", {"solver": "lbfgs", "hidden_layer_sizes": [20], "alpha": 1.0}),
    ("digits", "MLPClassifier", {"hidden_layer_sizes": [50]}),
    ("digits", "MLPClassifier", {"hidden_layer_sizes": [50], "early_stopping": True, "activation": "tanh"}),
    ("breast_cancer", "MLPClassifier", {"hidden_layer_sizes": [20], "activation": "logistic"}),
    ("diabetes", "MLPRegressor", {"solver": "lbfgs", "hidden_layer_sizes": [5], "alpha": 100.0, "max_iter": 2000}),
    ("diabetes", "MLPRegressor", {"hidden_layer_sizes": [50], "learning_rate_init": 0.01, "max_iter": 500}),
]


def load(name):
    import csv
    with open("data/datasets/%s.csv" % name) as f:
        rows = list(csv.reader(f))
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    y = [r[-1] for r in rows[1:]]
    try:
        y = np.array([float(v) for v in y])
    except ValueError:
        labels = sorted(set(y))
        y = np.array([float(labels.index(v)) for v in y])
    return X, y


out = []
for name, cls, params in CASES:
    X, y = load(name)
    clf = cls == "MLPClassifier"
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=0.25, random_state=0, stratify=y if clf else None)
    sc = StandardScaler().fit(X[tr])
    Xtr, Xte = sc.transform(X[tr]), sc.transform(X[te])
    scores, iters = [], []
    seeds = 3 if name == "digits" else 5
    for seed in range(seeds):
        kw = dict(params)
        if "hidden_layer_sizes" in kw:
            kw["hidden_layer_sizes"] = tuple(kw["hidden_layer_sizes"])
        est = (MLPClassifier if clf else MLPRegressor)(random_state=seed, **kw).fit(Xtr, y[tr])
        scores.append(float(est.score(Xte, y[te])))
        iters.append(int(est.n_iter_))
    out.append({"dataset": name, "class": cls, "params": params, "train": tr.tolist(), "test": te.tolist(),
                "seeds": seeds, "scores": scores, "mean_score": float(np.mean(scores)), "n_iter": iters})
    print(name, cls, params, "mean %.4f" % np.mean(scores), scores, iters)

with open("ml/neural/testdata/parity.json", "w") as f:
    json.dump(out, f)
