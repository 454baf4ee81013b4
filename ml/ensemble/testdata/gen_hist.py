"""Write the scikit-learn reference fixtures for ml/ensemble's
HistGradientBoostingClassifier and HistGradientBoostingRegressor.

Run from anywhere with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/ensemble/testdata/gen_hist.py

One thread (OMP_NUM_THREADS=1) so that the root's gradient sum is the
sequential float64 sum that the Go code computes. Datasets are split as the
other fixtures: row i is a test row when i % 4 == 0. Early stopping is off
(these sets are under 10,000 rows, so "auto" is off too) except in the case
that sets early_stopping=True and on the *_14k sets (see grow), where
"auto" turns it on. The *_nan, *_cat and *_w sets have 15% of the values of
every other feature replaced by NaN, by RandomState(0), in the training and
the test rows. For each case it writes to hist_<dataset>.json the baseline
prediction, n_iter_, the node count of each tree, train_score_ and
validation_score_ (early stopping), and on the test rows predict,
decision_function (the raw predictions of a regressor: predict) and
predict_proba (the first 500 test rows of the *_14k sets; their score on
all). hist_binning.json holds _BinMapper's thresholds when it
subsamples the rows.
"""
import os

os.environ["OMP_NUM_THREADS"] = "1"

import csv
import gzip
import json
import sys

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.dirname(os.path.abspath(__file__))


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(os.path.join(ROOT, path), "rt") as f:
        rows = list(csv.reader(f))[1:]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    raw = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in raw])
    except ValueError:
        names = sorted(set(raw))
        y = np.array([float(names.index(v)) for v in raw])
    return X, y


def inject_nan(X):
    X = X.copy()
    rng = np.random.RandomState(0)
    mask = rng.uniform(size=X.shape) < 0.15
    mask[:, 1::2] = False
    X[mask] = np.nan
    return X


CLF_CASES = [
    {},
    {"learning_rate": 0.3, "max_iter": 30, "max_leaf_nodes": 8, "min_samples_leaf": 5},
    {"max_depth": 3, "l2_regularization": 1.0, "max_iter": 50},
    {"max_bins": 16, "max_iter": 40},
    {"early_stopping": True, "n_iter_no_change": 3, "validation_fraction": 0.2, "random_state": 3, "max_iter": 60},
]
REG_CASES = [
    {},
    {"loss": "absolute_error", "max_iter": 50},
    {"loss": "poisson", "max_iter": 50},
    {"learning_rate": 0.3, "max_iter": 30, "max_leaf_nodes": 8, "min_samples_leaf": 5},
    {"max_depth": 3, "l2_regularization": 1.0, "max_iter": 50},
    {"max_bins": 16, "max_iter": 40},
    {"early_stopping": True, "n_iter_no_change": 3, "validation_fraction": 0.2, "random_state": 3, "max_iter": 60},
]


def iris_cat(X):
    """Iris with its first and third features as categories: rint(10·x) -
    40 and rint(10·x) (integers in [3, 39] and [10, 69]), then NaN
    injected."""
    X = X.copy()
    X[:, 0] = np.rint(X[:, 0] * 10) - 40
    X[:, 2] = np.rint(X[:, 2] * 10)
    return inject_nan(X)


def grow(X, y):
    """The 14,000-row set: the 10k set and its first 4,000 rows shifted by
    0.25, so that the 10,500 training rows turn early_stopping="auto" on."""
    return np.vstack([X, X[:4000] + 0.25]), np.concatenate([y, y[:4000]])


def weights(n):
    """The sample weights of the *_w sets: 1 + (i % 3) / 2 for row i."""
    return 1 + (np.arange(n) % 3) / 2


def fit_case(cls, params, X, y, limit=None, weighted=False):
    test = np.arange(len(y)) % 4 == 0
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    params = dict(params)
    params.setdefault("early_stopping", False)
    params.setdefault("random_state", 0)
    sw = weights(len(y))[~test] if weighted else None
    m = cls(**params).fit(Xtr, ytr, sample_weight=sw)
    score = float(m.score(Xte, yte))
    if limit:
        Xte, yte = Xte[:limit], yte[:limit]
    out = {
        "estimator": cls.__name__,
        "params": params,
        "baseline": np.asarray(m._baseline_prediction).ravel().tolist(),
        "n_iter": int(m.n_iter_),
        "node_counts": [len(p.nodes) for it in m._predictors for p in it],
        "train_score": np.asarray(m.train_score_).tolist(),
        "validation_score": np.asarray(m.validation_score_).tolist(),
        "test_predict": m.predict(Xte).tolist(),
        "test_score": score,
    }
    if cls is HistGradientBoostingClassifier:
        out["test_decision"] = np.asarray(m.decision_function(Xte)).ravel().tolist()
        out["test_proba"] = m.predict_proba(Xte).ravel().tolist()
    return out


DATASETS = [
    ("iris", "data/datasets/iris.csv", HistGradientBoostingClassifier, False),
    ("breast_cancer", "data/datasets/breast_cancer.csv", HistGradientBoostingClassifier, False),
    ("diabetes", "data/datasets/diabetes.csv", HistGradientBoostingRegressor, False),
    ("breast_cancer_nan", "data/datasets/breast_cancer.csv", HistGradientBoostingClassifier, True),
    ("diabetes_nan", "data/datasets/diabetes.csv", HistGradientBoostingRegressor, True),
    ("diabetes_cat", "data/datasets/diabetes.csv", HistGradientBoostingRegressor, "cat"),
    ("iris_cat", "data/datasets/iris.csv", HistGradientBoostingClassifier, "cat"),
    ("diabetes_w", "data/datasets/diabetes.csv", HistGradientBoostingRegressor, "w"),
    ("breast_cancer_w", "data/datasets/breast_cancer.csv", HistGradientBoostingClassifier, "w"),
    ("iris_w", "data/datasets/iris.csv", HistGradientBoostingClassifier, "w"),
    ("classification_14k", "testdata/synthetic/classification_10k.csv.gz", HistGradientBoostingClassifier, "grow"),
    ("regression_14k", "testdata/synthetic/regression_10k.csv.gz", HistGradientBoostingRegressor, "grow"),
]
# With categorical features: diabetes's age and sex (NaN in age), iris's
# (see iris_cat).
CAT_CASES = [{}, {"min_samples_leaf": 5, "max_iter": 30, "learning_rate": 0.2}, {"max_depth": 3, "l2_regularization": 0.5, "max_iter": 40}]
# With sample weights (see weights) and NaN injected.
W_CASES = {
    HistGradientBoostingRegressor: [{}, {"loss": "absolute_error", "max_iter": 30}, {"loss": "poisson", "max_iter": 30},
                                    {"early_stopping": True, "n_iter_no_change": 3, "validation_fraction": 0.2, "random_state": 3, "max_iter": 60}],
    HistGradientBoostingClassifier: [{}, {"early_stopping": True, "n_iter_no_change": 3, "validation_fraction": 0.2, "random_state": 3, "max_iter": 60}],
}
# Early stopping "auto" (on) with the defaults, and one case with it off.
BIG_CASES = [{"early_stopping": "auto"}, {"early_stopping": "auto", "random_state": 7, "max_leaf_nodes": 15}, {"max_iter": 20}]


def binning():
    """_BinMapper's thresholds with a subsample (rows drawn by
    RandomState.choice), on the diabetes features."""
    X, _ = load("data/datasets/diabetes.csv")
    out = []
    for subsample, seed, n_bins in [(100, 42, 256), (300, 0, 32)]:
        m = _BinMapper(n_bins=n_bins, subsample=subsample, random_state=seed).fit(X)
        out.append({"subsample": subsample, "random_state": seed, "n_bins": n_bins,
                    "thresholds": [t.tolist() for t in m.bin_thresholds_]})
    with open(os.path.join(OUT, "hist_binning.json"), "w") as f:
        json.dump({"sklearn": sklearn.__version__, "dataset": "data/datasets/diabetes.csv", "cases": out}, f, separators=(",", ":"))



def main():
    assert sklearn.__version__.startswith("1.2"), sklearn.__version__
    only = set(sys.argv[1:])
    for name, path, cls, nan in DATASETS:
        if only and name not in only:
            continue
        X, y = load(path)
        if nan == "grow":
            X, y = grow(X, y)
            cases = BIG_CASES
        elif nan == "w":
            X = inject_nan(X)
            cases = W_CASES[cls]
        elif nan == "cat":
            if name == "iris_cat":
                X = iris_cat(X)
                cases = [dict(c, categorical_features=[0, 2]) for c in CAT_CASES]
            else:
                X = inject_nan(X)
                cases = [dict(c, categorical_features=[0, 1]) for c in CAT_CASES + [{"loss": "absolute_error", "max_iter": 30}]]
        elif nan:
            X = inject_nan(X)
            cases = CLF_CASES if cls is HistGradientBoostingClassifier else REG_CASES
        else:
            cases = CLF_CASES if cls is HistGradientBoostingClassifier else REG_CASES
        out = {"sklearn": sklearn.__version__, "dataset": path, "nan": nan is True, "cat": nan == "cat", "weighted": nan == "w", "grow": nan == "grow", "test_rows": "i % 4 == 0",
               "cases": [fit_case(cls, p, X, y, 500 if nan == "grow" else None, nan == "w") for p in cases]}
        with open(os.path.join(OUT, "hist_" + name + ".json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, [(c["n_iter"], round(c["test_score"], 4)) for c in out["cases"]], file=sys.stderr)


if __name__ == "__main__":
    main()
    binning()
