#!/usr/bin/python3
"""Writes cv.json: the folds of every scikit-learn 1.2 cross-validator that
ml/modelselection ports, for fixed data and seeds.

Run with Debian's scikit-learn 1.2.1 / numpy 1.24 from the repository root:

    /usr/bin/python3 ml/modelselection/testdata/gen_cv.py

Each case holds the class name, its parameters as mlforge's spec writes them
(random_state null where scikit-learn's must be None), the number of rows, the
labels and groups used, and every fold's train and test indices in
scikit-learn's order. Also writes nprand.json, draws of numpy's legacy
RandomState that internal/nprand reproduces.
"""
import inspect
import json
import warnings
import os

import numpy as np
import sklearn
from sklearn import model_selection as ms

HERE = os.path.dirname(os.path.abspath(__file__))
assert sklearn.__version__.startswith("1.2"), sklearn.__version__

warnings.simplefilter("ignore")  # classes smaller than n_splits are part of the cases
rs = np.random.RandomState(12345)
y_small = rs.randint(0, 3, size=23).tolist()           # three classes, uneven
y_bin = ([0] * 7 + [1] * 13)                            # 20 rows, 2 classes, sorted
rs.shuffle(y_bin)
y_str = rs.choice([5.0, 2.0, 9.0, 7.0], size=41, p=[0.4, 0.3, 0.2, 0.1]).tolist()
groups_few = rs.randint(0, 7, size=30).tolist()
groups_many = rs.randint(0, 40, size=120).tolist()      # ties among sizes, > 16 groups

cases = []


def add(name, params, n, y=None, groups=None):
    cls = getattr(ms, name)
    cv = cls(**params)
    X = np.zeros((n, 1))
    folds = [[tr.tolist(), te.tolist()] for tr, te in cv.split(X, y, groups)]
    p = dict(params)
    cases.append({"class": name, "params": p, "n": n, "y": y, "groups": groups, "folds": folds})


for n in [10, 11, 23]:
    add("KFold", {"n_splits": 3}, n)
    add("KFold", {"n_splits": 5, "shuffle": True, "random_state": 0}, n)
    add("KFold", {"n_splits": 4, "shuffle": True, "random_state": 42}, n)
add("KFold", {"n_splits": 7, "shuffle": True, "random_state": 2**32 - 1}, 50)
for y in [y_small, y_bin, y_str]:
    n = len(y)
    add("StratifiedKFold", {"n_splits": 3}, n, y)
    add("StratifiedKFold", {"n_splits": 5, "shuffle": True, "random_state": 0}, n, y)
    add("StratifiedKFold", {"n_splits": 4, "shuffle": True, "random_state": 7}, n, y)
    add("StratifiedShuffleSplit", {"n_splits": 4, "test_size": 0.25, "random_state": 0}, n, y)
    add("StratifiedShuffleSplit", {"n_splits": 3, "test_size": 6, "train_size": 10, "random_state": 3}, n, y)
    add("RepeatedStratifiedKFold", {"n_splits": 3, "n_repeats": 3, "random_state": 1}, n, y)
add("StratifiedShuffleSplit", {"n_splits": 10, "random_state": 0}, len(y_str), y_str)
add("GroupKFold", {"n_splits": 3}, len(groups_few), None, groups_few)
add("GroupKFold", {"n_splits": 5}, len(groups_few), None, groups_few)
add("GroupKFold", {"n_splits": 6}, len(groups_many), None, groups_many)
add("LeaveOneOut", {}, 6)
add("LeavePOut", {"p": 2}, 6)
add("LeavePOut", {"p": 3}, 7)
for n in [10, 37]:
    add("ShuffleSplit", {"n_splits": 5, "random_state": 0}, n)
    add("ShuffleSplit", {"n_splits": 3, "test_size": 0.3, "train_size": 0.5, "random_state": 9}, n)
    add("ShuffleSplit", {"n_splits": 2, "test_size": 4, "random_state": 1}, n)
    add("ShuffleSplit", {"n_splits": 2, "train_size": 5, "random_state": 1}, n)
    add("RepeatedKFold", {"n_splits": 3, "n_repeats": 4, "random_state": 5}, n)
    add("TimeSeriesSplit", {}, n)
    add("TimeSeriesSplit", {"n_splits": 3, "max_train_size": 4, "test_size": 2, "gap": 1}, n)

# The defaults of every splitter, as the catalogue must report them.
defaults = {}
for name in ["KFold", "StratifiedKFold", "GroupKFold", "ShuffleSplit", "StratifiedShuffleSplit",
             "RepeatedKFold", "RepeatedStratifiedKFold", "TimeSeriesSplit"]:
    sig = inspect.signature(getattr(ms, name))
    defaults[name] = {k: v.default for k, v in sig.parameters.items() if k != "cv"}
with open(os.path.join(HERE, "cv.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases, "defaults": defaults}, f, separators=(",", ":"))
    f.write("\n")

draws = []
for seed in [0, 1, 42, 2**32 - 1]:
    r = np.random.RandomState(seed)
    d = {"seed": seed, "u32": [int(r.randint(0, 2**32, dtype=np.uint64)) for _ in range(5)]}
    r = np.random.RandomState(seed)
    d["perm"] = r.permutation(20).tolist()
    d["perm_big"] = r.permutation(1000)[:10].tolist()
    d["random"] = r.random_sample(3).tolist()
    d["randint"] = [int(r.randint(0, 7)) for _ in range(5)]
    draws.append(d)
sorts = []
r = np.random.RandomState(3)
for n in [5, 16, 17, 40, 200, 1000]:
    v = r.randint(0, 6, size=n)
    sorts.append({"v": v.tolist(), "argsort": np.argsort(v).tolist()})
fsorts = []
for n in [7, 40, 300]:
    v = np.round(r.random_sample(n) * 4) / 4  # ties
    v[::9] = np.nan
    fsorts.append({"v": [None if np.isnan(x) else x for x in v.tolist()], "argsort": np.argsort(v).tolist()})
with open(os.path.join(HERE, "..", "..", "..", "internal", "nprand", "testdata", "nprand.json"), "w") as f:
    json.dump({"numpy": np.__version__, "draws": draws, "argsort": sorts, "argsort_float": fsorts}, f, separators=(",", ":"))
    f.write("\n")
