#!/usr/bin/python3
"""Writes split.json: per-class sizes of scikit-learn's train_test_split.

Run with Debian's scikit-learn 1.2 from the repository root:

    /usr/bin/python3 ml/modelselection/testdata/gen.py

Go's generator differs from NumPy's, so the tests compare counts, not
indices. For each data set and test_size the fixture holds n_train, n_test
and, for a stratified split, the sorted list of (class size, rows of the
class in train, rows in test). scikit-learn breaks rounding ties at random;
the script checks over 40 seeds that this sorted list does not depend on the
seed (ties only fall between classes of equal size) and leaves out a case
where it would.
"""
import json
import os

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")

cases = []
for name in ["iris", "wine", "breast_cancer", "digits"]:
    y = pd.read_csv(os.path.join(ROOT, "data", "datasets", name + ".csv"))["target"].astype(str).to_numpy()
    idx = np.arange(len(y))
    for ts in [0.1, 0.15, 0.2, 0.25, 0.3, 0.33, 0.5, 0.7, 0.9]:
        seen = set()
        n_train = n_test = None
        for seed in range(40):
            tr, te = train_test_split(idx, test_size=ts, random_state=seed, stratify=y)
            n_train, n_test = len(tr), len(te)
            triples = []
            for c in np.unique(y):
                triples.append((int((y == c).sum()), int((y[tr] == c).sum()), int((y[te] == c).sum())))
            seen.add(tuple(sorted(triples)))
        if len(seen) != 1:
            print("skipping", name, ts, "(counts depend on the seed)")
            continue
        cases.append({"dataset": name, "test_size": ts, "n_train": n_train, "n_test": n_test,
                      "classes": [list(t) for t in seen.pop()]})

plain = []
for n in [1, 2, 3, 7, 10, 100, 150, 178, 569, 1797]:
    for ts in [0.01, 0.1, 0.25, 0.333, 0.5, 0.99, 1.0, 2.0, 5.0]:
        try:
            tr, te = train_test_split(np.arange(n), test_size=ts if ts < 1 else int(ts), random_state=0)
            plain.append({"n": n, "test_size": ts, "n_train": len(tr), "n_test": len(te)})
        except ValueError as e:
            plain.append({"n": n, "test_size": ts, "error": str(e)})

with open(os.path.join(HERE, "split.json"), "w") as f:
    json.dump({"stratified": cases, "plain": plain}, f, indent=1)
    f.write("\n")
