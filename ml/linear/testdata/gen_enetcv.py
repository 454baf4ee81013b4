#!/usr/bin/python3
"""Writes the scikit-learn reference values for the LassoCV and
ElasticNetCV parity test (enetcv_test.go) into sklearn_enetcv.json.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/linear/testdata/gen_enetcv.py

Data: diabetes (raw, all 442 rows) and the splitmix64 synthetic 20,000 x 20
set of gen_enet.py. Each case stores alpha_, alphas_, mse_path_, coef_,
intercept_, n_iter_ and dual_gap_.
"""
import json
import os
import sys

import sklearn
from sklearn.linear_model import ElasticNetCV, LassoCV

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_enet import diabetes, synth  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    ("lassocv_diabetes", "LassoCV", "diabetes", {}),
    ("lassocv_diabetes_grid", "LassoCV", "diabetes", {"alphas": [0.01, 0.1, 1, 3], "cv": 3}),
    ("enetcv_diabetes", "ElasticNetCV", "diabetes", {"l1_ratio": 0.7, "n_alphas": 30}),
    ("enetcv_diabetes_positive", "ElasticNetCV", "diabetes", {"positive": True, "n_alphas": 20, "eps": 0.01}),
    ("lassocv_synth", "LassoCV", "synth", {"n_alphas": 30}),
]


def main():
    data = {"diabetes": diabetes(), "synth": synth(20000, 20, 42)}
    out = {"sklearn": sklearn.__version__, "cases": []}
    for name, cls, d, params in CASES:
        X, y = data[d]
        m = {"LassoCV": LassoCV, "ElasticNetCV": ElasticNetCV}[cls](**params).fit(X, y)
        out["cases"].append({
            "name": name, "class": cls, "data": d, "params": params,
            "alpha": float(m.alpha_), "alphas": m.alphas_.tolist(), "mse_path": m.mse_path_.tolist(),
            "coef": m.coef_.tolist(), "intercept": float(m.intercept_),
            "n_iter": int(m.n_iter_), "dual_gap": float(m.dual_gap_),
        })
    with open(os.path.join(HERE, "sklearn_enetcv.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
