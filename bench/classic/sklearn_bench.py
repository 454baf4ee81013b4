#!/usr/bin/python3
"""Times scikit-learn's fit+predict for the estimators in estimators.json on
the data files made by make_data.py, and prints one JSON object per line:
{"class": ..., "fit_s": ..., "predict_s": ..., "score": ...}.

Run through bench/classic/run.sh, which times mlforge on the same data in the
same run. Each figure is the best of --repeat runs.
"""
import argparse
import json
import time

import numpy as np
import warnings

from sklearn import linear_model, naive_bayes, neighbors, neural_network, preprocessing, impute, tree
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV

CLASSES = {
    "KNeighborsClassifier": neighbors.KNeighborsClassifier,
    "KNeighborsRegressor": neighbors.KNeighborsRegressor,
    "LinearRegression": linear_model.LinearRegression,
    "Ridge": linear_model.Ridge,
    "LogisticRegression": linear_model.LogisticRegression,
    "GaussianNB": naive_bayes.GaussianNB,
    "DecisionTreeClassifier": tree.DecisionTreeClassifier,
    "DecisionTreeRegressor": tree.DecisionTreeRegressor,
    "StandardScaler": preprocessing.StandardScaler,
    "MinMaxScaler": preprocessing.MinMaxScaler,
    "SimpleImputer": impute.SimpleImputer,
    "MLPClassifier": neural_network.MLPClassifier,
    "MLPRegressor": neural_network.MLPRegressor,
}

# The MLPs run a fixed number of epochs (tol 0), so scikit-learn warns that
# they did not converge; that is the point.
warnings.filterwarnings("ignore")


def load(path):
    d = np.loadtxt(path, delimiter=",", skiprows=1)
    return d[:, :-1], d[:, -1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--estimators", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with open(args.estimators) as f:
        ests = json.load(f)
    data = {}
    for task in ("classification", "regression"):
        X, y = load(f"{args.dir}/{task}.csv")
        n_train = int(len(y) * 0.75)
        data[task] = (X[:n_train], y[:n_train], X[n_train:], y[n_train:])
    for e in ests:
        Xtr, ytr, Xte, yte = data[e["data"]]
        best_fit = best_pred = float("inf")
        for _ in range(args.repeat):
            if e["kind"] == "search":
                # GridSearchCV of e["estimator"]: the search and the refit
                # are its fit; predict uses the refit best estimator.
                est = GridSearchCV(CLASSES[e["estimator"]](**e.get("params", {})), e["param_grid"], cv=e["cv"])
            else:
                est = CLASSES[e["class"]](**e.get("params", {}))
            t0 = time.perf_counter()
            est.fit(Xtr, ytr)
            t1 = time.perf_counter()
            out = est.transform(Xte) if e["kind"] == "transform" else est.predict(Xte)
            t2 = time.perf_counter()
            best_fit, best_pred = min(best_fit, t1 - t0), min(best_pred, t2 - t1)
        score = None
        if e["kind"] in ("classifier", "search"):
            score = accuracy_score(yte, out)
        elif e["kind"] == "regressor":
            score = r2_score(yte, out)
        print(json.dumps({"class": e["class"], "fit_s": best_fit, "predict_s": best_pred, "score": score}), flush=True)


if __name__ == "__main__":
    main()
