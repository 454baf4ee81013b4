"""Write the scikit-learn reference values for ml/metrics' parity tests.

Run from the repository root with Debian's scikit-learn 1.2.1:

    /usr/bin/python3 ml/metrics/testdata/gen.py

It writes ml/metrics/testdata/classification.json and regression.json. Every
case holds its inputs and the values scikit-learn computes from them; the Go
tests read only these files.
"""
import json
import os

import numpy as np
import sklearn
from sklearn import metrics as M

HERE = os.path.dirname(os.path.abspath(__file__))


def fl(a):
    return [float(v) for v in np.asarray(a).ravel()]


def mat(a):
    a = np.asarray(a, dtype=np.float64)
    return [fl(r) for r in a]


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def classification_case(name, y_true, y_pred, proba, classes, proba_1col=False):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    classes = np.asarray(classes, dtype=np.float64)
    k = len(classes)
    c = {
        "name": name,
        "y_true": fl(y_true),
        "y_pred": fl(y_pred),
        "classes": fl(classes),
        "proba": mat(proba),
        "proba_1col": proba_1col,
    }
    union = np.unique(np.concatenate([y_true, y_pred]))
    p, r, f, s = M.precision_recall_fscore_support(y_true, y_pred, average=None)
    c["per_class"] = {"labels": fl(union), "precision": fl(p), "recall": fl(r), "f1": fl(f), "support": fl(s)}
    p, r, f, s = M.precision_recall_fscore_support(y_true, y_pred, labels=classes, average=None)
    c["per_class_classes"] = {"precision": fl(p), "recall": fl(r), "f1": fl(f), "support": fl(s)}
    av = {}
    for a in ["micro", "macro", "weighted"]:
        p, r, f, _ = M.precision_recall_fscore_support(y_true, y_pred, average=a)
        av[a] = fl([p, r, f])
        p, r, f, _ = M.precision_recall_fscore_support(y_true, y_pred, labels=classes, average=a)
        av[a + "_classes"] = fl([p, r, f])
    if k == 2:
        p, r, f, _ = M.precision_recall_fscore_support(y_true, y_pred, average="binary", pos_label=classes[1])
        av["binary"] = fl([p, r, f])
    c["averages"] = av
    c["confusion_matrix"] = mat(M.confusion_matrix(y_true, y_pred))
    c["confusion_matrix_classes"] = mat(M.confusion_matrix(y_true, y_pred, labels=classes))
    P = np.asarray(proba, dtype=np.float64)
    c["log_loss"] = float(M.log_loss(y_true, P if not proba_1col else P[:, 0], labels=classes))
    if k == 2:
        score = P[:, 0] if proba_1col else P[:, 1]
        auc = float(M.roc_auc_score(y_true == classes[1], score))
        c["roc_auc"] = auc
        c["roc_auc_weighted"] = auc
    else:
        c["roc_auc"] = float(M.roc_auc_score(y_true, P, multi_class="ovr", average="macro", labels=classes))
        c["roc_auc_weighted"] = float(M.roc_auc_score(y_true, P, multi_class="ovr", average="weighted", labels=classes))
    # The registered names, computed as scikit-learn's scorers do.
    named = {
        "accuracy": M.accuracy_score(y_true, y_pred),
        "balanced_accuracy": M.balanced_accuracy_score(y_true, y_pred),
        "log_loss": c["log_loss"],
    }
    for m, fn in [("precision", M.precision_score), ("recall", M.recall_score), ("f1", M.f1_score)]:
        named[m + "_macro"] = fn(y_true, y_pred, average="macro")
        named[m + "_weighted"] = fn(y_true, y_pred, average="weighted")
        if k == 2:
            named[m] = fn(y_true, y_pred, average="binary", pos_label=classes[1])
    if k == 2:
        named["roc_auc"] = c["roc_auc"]
    else:
        named["roc_auc_ovr"] = c["roc_auc"]
        named["roc_auc_ovr_weighted"] = c["roc_auc_weighted"]
    c["named"] = {k2: float(v) for k2, v in named.items()}
    return c


def main():
    rng = np.random.RandomState(0)
    cases = []

    # Random binary problem with continuous probabilities.
    n = 300
    yt = rng.randint(0, 2, n)
    p1 = np.clip(0.35 * yt + 0.65 * rng.rand(n), 0, 1)
    yp = (p1 > 0.5).astype(int)
    cases.append(classification_case("binary_random", yt, yp, np.c_[1 - p1, p1], [0, 1]))

    # Binary with labels -1 / 1, tied scores (one decimal) and exact 0 and 1
    # probabilities (log_loss clipping).
    n = 250
    yt = np.where(rng.rand(n) < 0.4, 1, -1)
    p1 = np.round(np.clip(0.3 * (yt == 1) + 0.7 * rng.rand(n), 0, 1), 1)
    p1[:5] = [0.0, 1.0, 0.0, 1.0, 0.5]
    yp = np.where(p1 >= 0.5, 1, -1)
    cases.append(classification_case("binary_ties_pm1", yt, yp, np.c_[1 - p1, p1], [-1, 1]))

    # Binary, one column of scores for classes[1], labels 2 and 7.
    n = 120
    yt = np.where(rng.rand(n) < 0.5, 7.0, 2.0)
    s = np.round(0.4 * (yt == 7.0) + 0.6 * rng.rand(n), 2)
    yp = np.where(s > 0.5, 7.0, 2.0)
    cases.append(classification_case("binary_1col_sparse_labels", yt, yp, s[:, None], [2.0, 7.0], proba_1col=True))

    # Binary where the positive class is never predicted (zero division).
    n = 40
    yt = rng.randint(0, 2, n)
    yp = np.zeros(n, dtype=int)
    p1 = rng.rand(n) * 0.4
    cases.append(classification_case("binary_zero_division", yt, yp, np.c_[1 - p1, p1], [0, 1]))

    # Multiclass (4 classes); class 3 is never predicted and class 2 is
    # predicted for only a few samples.
    n = 400
    yt = rng.randint(0, 4, n)
    z = rng.randn(n, 4) + 1.5 * np.eye(4)[yt]
    P = softmax_rows(z)
    yp = np.argmax(P[:, :3], axis=1)
    yp[(yp == 2) & (rng.rand(n) < 0.8)] = 0
    cases.append(classification_case("multiclass_missing_pred", yt, yp, P, [0, 1, 2, 3]))

    # Multiclass with labels -1, 5, 30, tied probabilities (rounded then
    # renormalised rows) and a class present only in predictions.
    n = 300
    labels = np.array([-1.0, 5.0, 30.0])
    ti = rng.randint(0, 3, n)
    yt = labels[ti]
    z = rng.randn(n, 3) + 1.0 * np.eye(3)[ti]
    P = np.round(softmax_rows(z), 1)
    P[P.sum(axis=1) == 0] = [1 / 3, 1 / 3, 1 / 3]
    P = P / P.sum(axis=1, keepdims=True)
    yp = labels[np.argmax(P, axis=1)]
    yp[:7] = 9.0  # a value outside the classes: only in y_pred
    cases.append(classification_case("multiclass_ties_negative_labels", yt, yp, P, labels))

    reg = []
    for name, yt, yp in [
        ("random", rng.randn(500) * 3 + 1, None),
        ("constant_true_perfect", np.full(20, 2.5), np.full(20, 2.5)),
        ("constant_true_imperfect", np.full(20, 2.5), np.linspace(0, 5, 20)),
        ("two_samples", np.array([1.0, 3.0]), np.array([2.0, 2.5])),
    ]:
        if yp is None:
            yp = yt + rng.randn(len(yt))
        reg.append({
            "name": name,
            "y_true": fl(yt),
            "y_pred": fl(yp),
            "mse": float(M.mean_squared_error(yt, yp)),
            "rmse": float(M.mean_squared_error(yt, yp, squared=False)),
            "mae": float(M.mean_absolute_error(yt, yp)),
            "r2": float(M.r2_score(yt, yp)),
        })

    meta = {"sklearn": sklearn.__version__, "numpy": np.__version__}
    with open(os.path.join(HERE, "classification.json"), "w") as f:
        json.dump({"meta": meta, "cases": cases}, f)
    with open(os.path.join(HERE, "regression.json"), "w") as f:
        json.dump({"meta": meta, "cases": reg}, f)


if __name__ == "__main__":
    main()
