#!/usr/bin/python3
"""Writes weighted.json: scikit-learn 1.2.1's metrics with sample_weight
(accuracy_score, log_loss, mean_squared_error, its root, mean_absolute_error,
r2_score) on random cases, for weighted_test.go. Weights include zeros.

Run from the repository root:

    /usr/bin/python3 ml/metrics/testdata/gen_weighted.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error, mean_squared_error, r2_score

HERE = os.path.dirname(os.path.abspath(__file__))
assert sklearn.__version__.startswith("1.2"), sklearn.__version__

rs = np.random.RandomState(0)
cases = []
for n, k in [(7, 2), (40, 3), (300, 4), (1000, 2)]:
    w = np.round(rs.uniform(0, 3, n), 3)
    w[::5] = 0.0
    yt = rs.randint(0, k, n).astype(float)
    yp = np.where(rs.uniform(size=n) < 0.7, yt, rs.randint(0, k, n)).astype(float)
    proba = rs.dirichlet(np.ones(k), n)
    rt = rs.normal(3, 2, n)
    rp = rt + rs.normal(0, 1, n)
    cases.append({
        "classes": list(map(float, range(k))), "y_true": yt.tolist(), "y_pred": yp.tolist(), "proba": proba.tolist(),
        "r_true": rt.tolist(), "r_pred": rp.tolist(), "w": w.tolist(),
        "accuracy": accuracy_score(yt, yp, sample_weight=w),
        "log_loss": log_loss(yt, proba, sample_weight=w, labels=list(range(k))),
        "mse": mean_squared_error(rt, rp, sample_weight=w),
        "rmse": mean_squared_error(rt, rp, sample_weight=w, squared=False),
        "mae": mean_absolute_error(rt, rp, sample_weight=w),
        "r2": r2_score(rt, rp, sample_weight=w),
    })
with open(os.path.join(HERE, "weighted.json"), "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
    f.write("\n")
