#!/usr/bin/python3
"""Times scikit-learn's fit+predict for the estimators in estimators.json on
the data files made by make_data.py, and prints one JSON object per line:
{"class": ..., "fit_s": ..., "predict_s": ..., "score": ...}.

Run through bench/classic/run.sh, which times mlforge on the same data in the
same run. Each figure is the best of --repeat runs.
"""
import argparse
import json
import resource
import time

import numpy as np
import warnings

from sklearn import cluster, decomposition, ensemble, linear_model, naive_bayes, neighbors, neural_network, preprocessing, impute, tree
from sklearn import svm
from sklearn import manifold
from sklearn import calibration
from sklearn.metrics import accuracy_score, adjusted_rand_score, r2_score
from sklearn.model_selection import GridSearchCV

CLASSES = {
    "KNeighborsClassifier": neighbors.KNeighborsClassifier,
    "KNeighborsRegressor": neighbors.KNeighborsRegressor,
    "RadiusNeighborsRegressor": neighbors.RadiusNeighborsRegressor,
    "RadiusNeighborsClassifier": neighbors.RadiusNeighborsClassifier,
    "NearestCentroid": neighbors.NearestCentroid,
    "CalibratedClassifierCV": calibration.CalibratedClassifierCV,
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
    "SVC": svm.SVC,
    "SVR": svm.SVR,
    "LinearSVC": svm.LinearSVC,
    "LinearSVR": svm.LinearSVR,
    "NuSVC": svm.NuSVC,
    "NuSVR": svm.NuSVR,
    "OneClassSVM": svm.OneClassSVM,
    "RandomForestClassifier": ensemble.RandomForestClassifier,
    "RandomForestRegressor": ensemble.RandomForestRegressor,
    "ExtraTreesClassifier": ensemble.ExtraTreesClassifier,
    "ExtraTreesRegressor": ensemble.ExtraTreesRegressor,
    "GradientBoostingClassifier": ensemble.GradientBoostingClassifier,
    "GradientBoostingRegressor": ensemble.GradientBoostingRegressor,
    "AdaBoostClassifier": ensemble.AdaBoostClassifier,
    "AdaBoostRegressor": ensemble.AdaBoostRegressor,
    "VotingClassifier": ensemble.VotingClassifier,
    "VotingRegressor": ensemble.VotingRegressor,
    "StackingClassifier": ensemble.StackingClassifier,
    "StackingRegressor": ensemble.StackingRegressor,
    "HistGradientBoostingClassifier": ensemble.HistGradientBoostingClassifier,
    "HistGradientBoostingRegressor": ensemble.HistGradientBoostingRegressor,
    "KMeans": cluster.KMeans,
    "DBSCAN": cluster.DBSCAN,
    "AgglomerativeClustering": cluster.AgglomerativeClustering,
    "MeanShift": cluster.MeanShift,
    "SpectralClustering": cluster.SpectralClustering,
    "PCA": decomposition.PCA,
    "TSNE": manifold.TSNE,
    "Lasso": linear_model.Lasso,
    "ElasticNet": linear_model.ElasticNet,
    "RidgeClassifier": linear_model.RidgeClassifier,
    "RidgeCV": linear_model.RidgeCV,
    "MultinomialNB": naive_bayes.MultinomialNB,
    "ComplementNB": naive_bayes.ComplementNB,
    "BernoulliNB": naive_bayes.BernoulliNB,
    "CategoricalNB": naive_bayes.CategoricalNB,
    "LassoCV": linear_model.LassoCV,
    "ElasticNetCV": linear_model.ElasticNetCV,
    "SGDClassifier": linear_model.SGDClassifier,
    "SGDRegressor": linear_model.SGDRegressor,
    "Perceptron": linear_model.Perceptron,
    "PassiveAggressiveClassifier": linear_model.PassiveAggressiveClassifier,
    "PassiveAggressiveRegressor": linear_model.PassiveAggressiveRegressor,
}


def build(name, params):
    """The estimator of a class and its mlforge parameters: a nested
    {"class", "params"} becomes an estimator, a voting member (name, estimator)."""
    kw = dict(params)
    if "estimator" in kw and kw["estimator"] is not None:
        e = kw["estimator"]
        kw["estimator"] = build(e["class"], e.get("params", {}))
    if "final_estimator" in kw and kw["final_estimator"] is not None:
        e = kw["final_estimator"]
        kw["final_estimator"] = build(e["class"], e.get("params", {}))
    if "estimators" in kw:
        kw["estimators"] = [(e["name"], build(e["class"], e.get("params", {}))) for e in kw["estimators"]]
    return CLASSES[name](**kw)

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
    for task in sorted({e["data"] for e in ests}):
        X, y = load(f"{args.dir}/{task}.csv")
        n_train = int(len(y) * 0.75)
        data[task] = (X[:n_train], y[:n_train], X[n_train:], y[n_train:])
        data[task + "/all"] = (X, y, X, y)
    for e in ests:
        if e["kind"] == "cluster":
            # A clusterer fits all the rows (fit_predict); its score is the
            # adjusted Rand index against the generating labels.
            X, y, _, _ = data[e["data"] + "/all"]
            best = float("inf")
            for _ in range(args.repeat):
                est = CLASSES[e["class"]](**e.get("params", {}))
                t0 = time.perf_counter()
                labels = est.fit_predict(X)
                best = min(best, time.perf_counter() - t0)
            print(json.dumps({"class": e["class"], "fit_s": best, "predict_s": 0.0,
                              "score": adjusted_rand_score(y, labels)}), flush=True)
            continue
        if e["kind"] == "embed":
            # A manifold learner embeds all the rows (fit_transform); its
            # score is kl_divergence_.
            X, _, _, _ = data[e["data"] + "/all"]
            best = best_cpu = float("inf")
            for _ in range(args.repeat):
                est = build(e["class"], e.get("params", {}))
                c0, t0 = time.process_time(), time.perf_counter()
                est.fit_transform(X)
                best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
            maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(json.dumps({"class": e["class"], "fit_s": best, "predict_s": 0.0, "score": float(est.kl_divergence_),
                              "maxrss_mb": maxrss_mb, "cpu_s": best_cpu}), flush=True)
            continue
        Xtr, ytr, Xte, yte = data[e["data"]]
        best_fit = best_pred = best_cpu = float("inf")
        for _ in range(args.repeat):
            if e["kind"] == "search":
                # GridSearchCV of e["estimator"]: the search and the refit
                # are its fit; predict uses the refit best estimator.
                est = GridSearchCV(build(e["estimator"], e.get("params", {})), e["param_grid"], cv=e["cv"])
            else:
                est = build(e["class"], e.get("params", {}))
            c0 = time.process_time()
            t0 = time.perf_counter()
            if e["kind"] == "outlier":
                est.fit(Xtr)
            else:
                est.fit(Xtr, ytr)
            t1 = time.perf_counter()
            out = est.transform(Xte) if e["kind"] == "transform" else est.predict(Xte)
            t2 = time.perf_counter()
            best_fit, best_pred = min(best_fit, t1 - t0), min(best_pred, t2 - t1)
            best_cpu = min(best_cpu, time.process_time() - c0)
        score = None
        if e["kind"] in ("classifier", "search"):
            score = accuracy_score(yte, out)
        elif e["kind"] == "regressor":
            score = r2_score(yte, out)
        elif e["kind"] == "outlier":
            # The fraction of the test rows called inliers (+1), which
            # mlforge's side can match from another process.
            score = float(np.mean(out == 1))
        maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"class": e.get("name", e["class"]), "fit_s": best_fit, "predict_s": best_pred, "score": score,
                          "maxrss_mb": maxrss_mb, "cpu_s": best_cpu}), flush=True)


if __name__ == "__main__":
    main()
