#!/usr/bin/python3
"""Writes search.json: scikit-learn 1.2.1's GridSearchCV cv_results_ on
whole built-in datasets, and RandomizedSearchCV's sampled candidates
(ParameterSampler), for train's search parity test.

Run from the repository root:

    /usr/bin/python3 train/testdata/gen_search.py

Each search case is a spec fragment (preprocess, model, search) that the
test runs with data.train and data.test both the dataset, so that the
search sees every row, as GridSearchCV.fit(X, y) does here. Grid keys are
make_pipeline's step names, which mlforge accepts as written.
"""
import json
import warnings
import os

import csv

import numpy as np
import sklearn
from scipy import stats
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, KFold, ParameterSampler, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
assert sklearn.__version__.startswith("1.2"), sklearn.__version__
warnings.simplefilter("ignore")  # n_iter above the grid size is one of the cases


def load(name):
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = list(csv.reader(f))
    assert rows[0][-1] == "target"
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    y = [r[-1] for r in rows[1:]]
    try:
        y = np.array([float(v) for v in y])
    except ValueError:
        y = np.array(y)
    return X, y


cases = []


def add(dataset, preprocess, model, est, grid, cv, cv_spec, scoring, scoring_spec, halving=None):
    X, y = load(dataset)
    search = {"type": "GridSearchCV", "param_grid": grid, "cv": cv_spec, "scoring": scoring_spec}
    if halving is None:
        gs = GridSearchCV(est, grid, cv=cv, scoring=scoring).fit(X, y)
    else:
        gs = HalvingGridSearchCV(est, grid, cv=cv, scoring=scoring, **halving).fit(X, y)
        search.update(halving, type="HalvingGridSearchCV")
    r = gs.cv_results_
    n = len(r["params"])
    cases.append({
        "dataset": dataset,
        "preprocess": preprocess,
        "model": model,
        "search": search,
        "iter": r["iter"].tolist() if "iter" in r else None,
        "n_resources": r["n_resources"].tolist() if "n_resources" in r else None,
        "params": [{k: (v.item() if hasattr(v, "item") else v) for k, v in p.items()} for p in r["params"]],
        "mean_test_score": r["mean_test_score"].tolist(),
        "std_test_score": r["std_test_score"].tolist(),
        "split_test_score": [[r["split%d_test_score" % k][i] for k in range(gs.n_splits_)] for i in range(n)],
        "rank_test_score": r["rank_test_score"].tolist(),
        "best_index": int(gs.best_index_),
        "best_params": gs.best_params_,
        "best_score": gs.best_score_,
    })


add("iris", [{"type": "StandardScaler"}], {"class": "KNeighborsClassifier"},
    make_pipeline(StandardScaler(), KNeighborsClassifier()),
    {"kneighborsclassifier__n_neighbors": [1, 3, 5, 7, 9, 11], "kneighborsclassifier__weights": ["uniform", "distance"]},
    5, 5, "accuracy", "accuracy")
add("wine", [{"type": "StandardScaler"}], {"class": "KNeighborsClassifier"},
    make_pipeline(StandardScaler(), KNeighborsClassifier()),
    [{"standardscaler__with_mean": [True, False], "kneighborsclassifier__n_neighbors": [2, 4, 8]}, {"kneighborsclassifier__n_neighbors": [15], "kneighborsclassifier__p": [1]}],
    StratifiedKFold(4, shuffle=True, random_state=0), {"type": "StratifiedKFold", "n_splits": 4, "shuffle": True, "random_state": 0},
    "f1_macro", "f1_macro")
add("diabetes", [], {"class": "Ridge"},
    make_pipeline(Ridge()),
    {"ridge__alpha": [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0], "ridge__fit_intercept": [True, False]},
    KFold(5, shuffle=True, random_state=1), {"type": "KFold", "n_splits": 5, "shuffle": True, "random_state": 1},
    "neg_mean_squared_error", "neg_mean_squared_error")
add("breast_cancer", [{"type": "StandardScaler"}], {"class": "LogisticRegression", "params": {"max_iter": 1000}},
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    {"logisticregression__C": [0.001, 0.01, 0.1, 1.0]},
    5, 5, "accuracy", "accuracy")

add("iris", [{"type": "StandardScaler"}], {"class": "KNeighborsClassifier"},
    make_pipeline(StandardScaler(), KNeighborsClassifier()),
    {"kneighborsclassifier__n_neighbors": [1, 3, 5, 7, 9, 11], "kneighborsclassifier__weights": ["uniform", "distance"]},
    5, 5, "accuracy", "accuracy", halving={"factor": 3, "random_state": 0})
add("breast_cancer", [{"type": "StandardScaler"}], {"class": "KNeighborsClassifier"},
    make_pipeline(StandardScaler(), KNeighborsClassifier()),
    {"kneighborsclassifier__n_neighbors": [1, 2, 3, 4, 5, 6, 8, 10, 13], "kneighborsclassifier__p": [1, 2]},
    StratifiedKFold(3, shuffle=True, random_state=1), {"type": "StratifiedKFold", "n_splits": 3, "shuffle": True, "random_state": 1},
    "f1_macro", "f1_macro", halving={"factor": 2, "min_resources": "smallest", "aggressive_elimination": True, "random_state": 5})
add("diabetes", [], {"class": "Ridge"},
    make_pipeline(Ridge()),
    {"ridge__alpha": [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]},
    5, 5, "r2", "r2", halving={"factor": 2.5, "min_resources": 40, "max_resources": 400, "random_state": 2})

# ParameterSampler: lists only (reservoir and tracking selection), and
# distributions.
samples = []
for dists, n_iter, seed, spec_dists in [
    ({"a": [1, 2, 3], "b": ["x", "y", "z", "w"]}, 5, 0, None),
    ({"a": list(range(10)), "b": list(range(10))}, 6, 3, None),
    ({"a": [1, 2]}, 5, 1, None),
    ({"a": list(range(10)), "b": list(range(10)), "c": list(range(10))}, 5, 7, None),  # tracking selection
    ({"a": list(range(10)), "b": list(range(10))}, 99, 2, None),  # reservoir sampling
    ({"C": stats.loguniform(1e-3, 1e2), "k": stats.randint(1, 20), "u": stats.uniform(2, 3), "w": ["p", "q", "r"]}, 6, 42,
     {"C": {"type": "loguniform", "a": 1e-3, "b": 1e2}, "k": {"type": "randint", "low": 1, "high": 20},
      "u": {"type": "uniform", "loc": 2, "scale": 3}, "w": ["p", "q", "r"]}),
]:
    got = list(ParameterSampler(dists, n_iter, random_state=seed))
    samples.append({"param_distributions": spec_dists or dists, "n_iter": n_iter, "random_state": seed,
                    "candidates": [{k: (v.item() if hasattr(v, "item") else v) for k, v in c.items()} for c in got]})

with open(os.path.join(HERE, "search.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "grid": cases, "sampler": samples}, f, indent=1)
    f.write("\n")
