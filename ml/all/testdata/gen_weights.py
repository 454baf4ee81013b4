#!/usr/bin/python3
"""Writes the scikit-learn reference values for ml/all's sample_weight tests.

Run from the repository root with Debian's scikit-learn 1.2
(apt-get install python3-sklearn):

    /usr/bin/python3 ml/all/testdata/gen_weights.py

Every case fits one estimator on all rows of a built-in dataset with
fit(X, y, sample_weight=w), w[i] = i % 4 (so a quarter of the rows weigh
0 and the others 1, 2 or 3: integer weights, which equal repeating the
rows), and records its outputs on every row: predict, and predict_proba or
decision_function where the class has them (transform for a transformer,
labels_ and inertia_ for a clusterer). "prep" names what the Go test does
to X first: "standardize" (StandardScaler's (X - mean) / std), "floor"
(np.floor, for CategoricalNB's categories) or nothing.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import calibration, cluster, ensemble, linear_model, naive_bayes, preprocessing, svm, tree

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def load(name):
    with open(os.path.join(ROOT, "data", "datasets", name + ".csv")) as f:
        rows = [l.split(",") for l in f.read().strip().split("\n")[1:]]
    X = np.array([[float(v) for v in r[:-1]] for r in rows])
    t = [r[-1] for r in rows]
    try:
        y = np.array([float(v) for v in t])
    except ValueError:
        names = sorted(set(t))  # LabelEncoder order, as testutil.LoadCSV
        y = np.array([float(names.index(v)) for v in t])
    return X, y


def prep(X, how):
    if how == "standardize":
        return (X - X.mean(axis=0)) / X.std(axis=0)
    if how == "floor":
        return np.floor(X)
    return X


def L(a):
    return np.asarray(a, dtype=float).tolist()


EST = {
    "LinearRegression": linear_model.LinearRegression,
    "Ridge": linear_model.Ridge,
    "RidgeCV": linear_model.RidgeCV,
    "Lasso": linear_model.Lasso,
    "ElasticNet": linear_model.ElasticNet,
    "LassoCV": linear_model.LassoCV,
    "ElasticNetCV": linear_model.ElasticNetCV,
    "RidgeClassifier": linear_model.RidgeClassifier,
    "LogisticRegression": linear_model.LogisticRegression,
    "SGDClassifier": linear_model.SGDClassifier,
    "SGDRegressor": linear_model.SGDRegressor,
    "Perceptron": linear_model.Perceptron,
    "GaussianNB": naive_bayes.GaussianNB,
    "MultinomialNB": naive_bayes.MultinomialNB,
    "BernoulliNB": naive_bayes.BernoulliNB,
    "ComplementNB": naive_bayes.ComplementNB,
    "CategoricalNB": naive_bayes.CategoricalNB,
    "SVC": svm.SVC,
    "NuSVC": svm.NuSVC,
    "SVR": svm.SVR,
    "NuSVR": svm.NuSVR,
    "OneClassSVM": svm.OneClassSVM,
    "LinearSVC": svm.LinearSVC,
    "LinearSVR": svm.LinearSVR,
    "KMeans": cluster.KMeans,
    "DBSCAN": cluster.DBSCAN,
    "StandardScaler": preprocessing.StandardScaler,
    "AdaBoostClassifier": ensemble.AdaBoostClassifier,
    "VotingClassifier": ensemble.VotingClassifier,
    "VotingRegressor": ensemble.VotingRegressor,
    "StackingClassifier": ensemble.StackingClassifier,
    "StackingRegressor": ensemble.StackingRegressor,
    "CalibratedClassifierCV": calibration.CalibratedClassifierCV,
}


def build(cls, params):
    """The estimator of a case; member specs ({"class", "params"}, with
    "name" in a list) are built the same way."""
    p = dict(params)
    for k in ("estimator", "final_estimator"):
        if k in p:
            p[k] = build(p[k]["class"], p[k].get("params", {}))
    if "estimators" in p:
        p["estimators"] = [(e["name"], build(e["class"], e.get("params", {}))) for e in p["estimators"]]
    if "init" in p and isinstance(p["init"], list):
        p["init"] = np.array(p["init"])
    if cls == "DecisionTreeClassifier":
        return tree.DecisionTreeClassifier(**p)
    if cls == "KNeighborsClassifier":
        from sklearn.neighbors import KNeighborsClassifier
        return KNeighborsClassifier(**p)
    return EST[cls](**p)


def m(cls, params=None):
    return {"class": cls, "params": params or {}}


def named(name, cls, params=None):
    return {"name": name, "class": cls, "params": params or {}}


CASES = [
    # name, class, params, dataset, prep
    ("ols", "LinearRegression", {}, "diabetes", ""),
    ("ridge", "Ridge", {"alpha": 2.0}, "diabetes", ""),
    ("ridge_svd", "Ridge", {"alpha": 0.5, "solver": "svd"}, "diabetes", ""),
    ("ridgecv", "RidgeCV", {"alphas": [0.01, 0.1, 1.0, 10.0]}, "diabetes", "standardize"),
    ("lasso", "Lasso", {"alpha": 0.1, "tol": 1e-10, "max_iter": 100000}, "diabetes", "standardize"),
    ("enet", "ElasticNet", {"alpha": 0.05, "l1_ratio": 0.3, "tol": 1e-10, "max_iter": 100000}, "diabetes", "standardize"),
    ("lassocv", "LassoCV", {"n_alphas": 20, "cv": 4, "tol": 1e-10, "max_iter": 100000}, "diabetes", "standardize"),
    ("enetcv", "ElasticNetCV", {"l1_ratio": 0.5, "n_alphas": 15, "cv": 3, "tol": 1e-10, "max_iter": 100000}, "diabetes", "standardize"),
    ("ridgeclf_iris", "RidgeClassifier", {"alpha": 1.0}, "iris", ""),
    ("ridgeclf_cancer_balanced", "RidgeClassifier", {"class_weight": "balanced"}, "breast_cancer", "standardize"),
    ("logreg_lbfgs_iris", "LogisticRegression", {"C": 1.0, "max_iter": 10000, "tol": 1e-12}, "iris", ""),
    ("logreg_lbfgs_ovr_balanced", "LogisticRegression", {"multi_class": "ovr", "class_weight": "balanced", "max_iter": 10000, "tol": 1e-12}, "iris", "standardize"),
    ("logreg_lbfgs_cancer", "LogisticRegression", {"C": 0.5, "max_iter": 10000, "tol": 1e-12}, "breast_cancer", "standardize"),
    ("logreg_saga_l1", "LogisticRegression", {"solver": "saga", "penalty": "l1", "C": 0.5, "max_iter": 5000, "tol": 1e-8, "random_state": 0}, "iris", "standardize"),
    ("logreg_saga_ovr_balanced", "LogisticRegression", {"solver": "saga", "multi_class": "ovr", "class_weight": "balanced", "max_iter": 5000, "tol": 1e-8, "random_state": 0}, "iris", "standardize"),
    ("logreg_liblinear_l2", "LogisticRegression", {"solver": "liblinear", "C": 0.5, "tol": 1e-10, "max_iter": 1000}, "breast_cancer", "standardize"),
    ("logreg_liblinear_dual_ovr", "LogisticRegression", {"solver": "liblinear", "dual": True, "tol": 1e-10, "max_iter": 10000, "random_state": 0}, "iris", "standardize"),
    ("logreg_liblinear_l1", "LogisticRegression", {"solver": "liblinear", "penalty": "l1", "C": 0.5, "tol": 1e-10, "max_iter": 1000, "random_state": 0}, "iris", "standardize"),
    ("sgdclf", "SGDClassifier", {"random_state": 0}, "iris", "standardize"),
    ("sgdclf_early", "SGDClassifier", {"early_stopping": True, "validation_fraction": 0.2, "n_iter_no_change": 3, "random_state": 2}, "breast_cancer", "standardize"),
    ("sgdreg_early", "SGDRegressor", {"early_stopping": True, "random_state": 0}, "diabetes", "standardize"),
    ("sgdclf_log_avg", "SGDClassifier", {"loss": "log_loss", "average": True, "random_state": 1}, "breast_cancer", "standardize"),
    ("sgdreg", "SGDRegressor", {"random_state": 0}, "diabetes", "standardize"),
    ("perceptron", "Perceptron", {"random_state": 0}, "iris", "standardize"),
    ("gnb_iris", "GaussianNB", {}, "iris", ""),
    ("gnb_cancer", "GaussianNB", {}, "breast_cancer", ""),
    ("mnb", "MultinomialNB", {}, "iris", ""),
    ("bnb", "BernoulliNB", {"binarize": 3.0}, "iris", ""),
    ("cnb", "ComplementNB", {}, "iris", ""),
    ("catnb", "CategoricalNB", {}, "iris", "floor"),
    ("svc_rbf", "SVC", {}, "iris", ""),
    ("svc_linear_balanced", "SVC", {"kernel": "linear", "C": 0.5, "class_weight": "balanced"}, "iris", ""),
    ("svc_cancer", "SVC", {"C": 2.0}, "breast_cancer", "standardize"),
    ("svc_proba", "SVC", {"probability": True, "random_state": 0}, "iris", ""),
    ("nusvc", "NuSVC", {"nu": 0.3}, "iris", ""),
    ("svr", "SVR", {"C": 50.0, "epsilon": 5.0}, "diabetes", "standardize"),
    ("nusvr", "NuSVR", {"C": 50.0, "nu": 0.4}, "diabetes", "standardize"),
    ("oneclass", "OneClassSVM", {"nu": 0.2}, "iris", ""),
    ("linearsvc", "LinearSVC", {"max_iter": 100000, "tol": 1e-8, "random_state": 0}, "iris", "standardize"),
    ("linearsvc_hinge", "LinearSVC", {"loss": "hinge", "C": 0.3, "max_iter": 100000, "tol": 1e-8, "random_state": 0}, "breast_cancer", "standardize"),
    ("linearsvr", "LinearSVR", {"C": 10.0, "epsilon": 2.0, "max_iter": 100000, "tol": 1e-8, "random_state": 0}, "diabetes", "standardize"),
    ("kmeans", "KMeans", {"n_clusters": 3, "init": "rows:0,60,120", "n_init": 1}, "iris", ""),
    ("kmeans_elkan", "KMeans", {"n_clusters": 4, "init": "rows:0,40,80,140", "n_init": 1, "algorithm": "elkan"}, "iris", "standardize"),
    ("dbscan", "DBSCAN", {"eps": 0.4, "min_samples": 8}, "iris", ""),
    ("scaler", "StandardScaler", {}, "breast_cancer", ""),
    ("adaboost", "AdaBoostClassifier", {"estimator": m("DecisionTreeClassifier", {"max_depth": 1}), "n_estimators": 10, "algorithm": "SAMME", "random_state": 0}, "iris", ""),
    ("voting_soft", "VotingClassifier", {"estimators": [named("lr", "LogisticRegression", {"max_iter": 10000, "tol": 1e-12}), named("nb", "GaussianNB")], "voting": "soft"}, "iris", ""),
    ("voting_reg", "VotingRegressor", {"estimators": [named("ols", "LinearRegression"), named("ridge", "Ridge", {"alpha": 3.0})]}, "diabetes", ""),
    ("stacking_clf", "StackingClassifier", {"estimators": [named("nb", "GaussianNB"), named("rc", "RidgeClassifier")], "final_estimator": m("LogisticRegression", {"max_iter": 10000, "tol": 1e-12})}, "iris", ""),
    ("stacking_reg", "StackingRegressor", {"estimators": [named("ols", "LinearRegression"), named("ridge", "Ridge", {"alpha": 3.0})], "final_estimator": m("Ridge", {"alpha": 1.0})}, "diabetes", ""),
    ("calibrated_sigmoid", "CalibratedClassifierCV", {"estimator": m("GaussianNB"), "cv": 3}, "breast_cancer", ""),
    ("calibrated_isotonic", "CalibratedClassifierCV", {"estimator": m("GaussianNB"), "method": "isotonic", "cv": 3}, "iris", ""),
    ("calibrated_noensemble", "CalibratedClassifierCV", {"estimator": m("GaussianNB"), "cv": 3, "ensemble": False}, "iris", ""),
    ("calibrated_unweighted_knn", "CalibratedClassifierCV", {"estimator": m("KNeighborsClassifier"), "cv": 3}, "iris", ""),
]


def main():
    warnings.simplefilter("ignore")
    cases = []
    for name, cls, params, data, how in CASES:
        X, y = load(data)
        X = prep(X, how)
        w = (np.arange(len(y)) % 4).astype(float)
        p = dict(params)
        if isinstance(p.get("init"), str):  # "rows:i,j,...": those rows of X
            idx = [int(v) for v in p["init"][5:].split(",")]
            p["init"] = X[idx].tolist()
        est = build(cls, p)
        if cls in ("KMeans", "DBSCAN", "OneClassSVM", "StandardScaler"):
            est.fit(X, sample_weight=w)
        else:
            est.fit(X, y, sample_weight=w)
        out = {"name": name, "class": cls, "params": p, "data": data, "prep": how}
        if cls == "StandardScaler":
            out["transform"] = L(est.transform(X))
        elif cls == "DBSCAN":
            out["labels"] = L(est.labels_)
        else:
            out["predict"] = L(est.predict(X))
        if cls == "KMeans":
            out["inertia"] = float(est.inertia_)
            out["centers"] = L(est.cluster_centers_)
        if hasattr(est, "predict_proba") and (cls != "SVC" or est.probability) and cls not in ("SGDClassifier",) or cls == "SGDClassifier" and p.get("loss") == "log_loss":
            out["predict_proba"] = L(est.predict_proba(X))
        elif hasattr(est, "decision_function") and cls not in ("KMeans",):
            d = est.decision_function(X)
            out["decision_function"] = L(d.reshape(len(y), -1))
        for attr in ("coef_", "intercept_", "alpha_"):
            if hasattr(est, attr) and cls not in ("VotingClassifier", "StackingClassifier"):
                out[attr.rstrip("_")] = L(np.ravel(getattr(est, attr)))
        cases.append(out)
    with open(os.path.join(HERE, "sklearn_weights.json"), "w") as f:
        json.dump({"sklearn_version": sklearn.__version__, "weights": "i % 4", "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
