"""Write the scikit-learn reference curves for ml/metrics' curve tests.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/metrics/testdata/gen_curves.py

It writes ml/metrics/testdata/curves.json: for each case its y_true,
score and pos_label, and scikit-learn's roc_curve (drop_intermediate=True),
precision_recall_curve and average_precision_score of them.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M

HERE = os.path.dirname(os.path.abspath(__file__))


def fl(a):
    # NaN is written as null (JSON has no NaN).
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def case(name, y_true, score, pos):
    y_true = np.asarray(y_true, dtype=np.float64)
    score = np.asarray(score, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fpr, tpr, thr = M.roc_curve(y_true, score, pos_label=pos)
        p, r, pthr = M.precision_recall_curve(y_true, score, pos_label=pos)
        ap = M.average_precision_score(y_true == pos, score)
    return {
        "name": name, "y_true": fl(y_true), "score": fl(score), "pos_label": float(pos),
        "fpr": fl(fpr), "tpr": fl(tpr), "thresholds": fl(thr),
        "precision": fl(p), "recall": fl(r), "pr_thresholds": fl(pthr),
        "average_precision": float(ap),
    }


def main():
    rng = np.random.RandomState(0)
    cases = []
    n = 300
    yt = rng.randint(0, 2, n)
    s = 0.35 * yt + 0.65 * rng.rand(n)
    cases.append(case("binary_continuous", yt, s, 1))

    # Many ties (one decimal), labels -1 / 1: drop_intermediate has runs to
    # drop.
    n = 2000
    yt = np.where(rng.rand(n) < 0.3, 1, -1)
    s = np.round(0.3 * (yt == 1) + 0.7 * rng.rand(n), 1)
    cases.append(case("binary_ties_pm1", yt, s, 1))

    # Decision-function scores (negative and positive), labels 2 and 7,
    # the positive class being 2.
    n = 150
    yt = np.where(rng.rand(n) < 0.5, 7.0, 2.0)
    s = np.round(rng.randn(n) - 1.2 * (yt == 2.0), 2)
    cases.append(case("decision_pos_first", yt, s, 2.0))

    # One-vs-rest of a 4-class problem: each class against the rest.
    n = 400
    yt = rng.randint(0, 4, n)
    z = rng.randn(n, 4) + 1.5 * np.eye(4)[yt]
    P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    for k in range(4):
        cases.append(case("ovr_class_%d" % k, yt, P[:, k], k))

    # Perfect separation, a constant score, tiny inputs, and one class
    # only (NaN rates, recall 1).
    cases.append(case("perfect", [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1))
    cases.append(case("constant_score", [0, 1, 0, 1, 1], [0.5] * 5, 1))
    cases.append(case("two_samples", [1, 0], [0.3, 0.7], 1))
    cases.append(case("collinear", [1, 1, 1, 0, 0, 0], [6, 5, 4, 3, 2, 1], 1))
    cases.append(case("no_negatives", [1, 1, 1], [0.2, 0.5, 0.9], 1))
    cases.append(case("no_positives", [0, 0, 0], [0.2, 0.5, 0.9], 1))

    meta = {"sklearn": sklearn.__version__, "numpy": np.__version__}
    with open(os.path.join(HERE, "curves.json"), "w") as f:
        json.dump({"meta": meta, "cases": cases}, f)


if __name__ == "__main__":
    main()
