#!/usr/bin/python3
"""Writes the 20,000 x 20 synthetic sets that bench/classic/run.sh times both
libraries on: classification.csv (3 classes) and regression.csv, into DIR;
and for the clusterers and PCA: blobs30k.csv (30,000 x 10, 6 blobs),
moons3k.csv (3,000 moons), blobs3k.csv (3,000 x 10, 5 blobs) and
wide20k.csv (20,000 x 50 of rank about 20 plus noise), each with its
generating label (or 0) as the last column."""
import sys

import numpy as np
from sklearn.datasets import make_blobs, make_classification, make_moons, make_regression

out = sys.argv[1]
X, y = make_classification(n_samples=20000, n_features=20, n_informative=10,
                           n_redundant=4, n_classes=3, random_state=1)
np.savetxt(f"{out}/classification.csv", np.column_stack([X, y]), delimiter=",",
           fmt="%.17g", header=",".join([f"x{i}" for i in range(20)] + ["target"]), comments="")
X, y = make_regression(n_samples=20000, n_features=20, n_informative=12, noise=10.0, random_state=1)
np.savetxt(f"{out}/regression.csv", np.column_stack([X, y]), delimiter=",",
           fmt="%.17g", header=",".join([f"x{i}" for i in range(20)] + ["target"]), comments="")


def save(name, X, y):
    np.savetxt(f"{out}/{name}.csv", np.column_stack([X, y]), delimiter=",", fmt="%.17g",
               header=",".join([f"x{i}" for i in range(X.shape[1])] + ["target"]), comments="")


# 30 features, for the neighbour searches' brute force (auto picks it above
# 15 features).
save("regression30", *make_regression(n_samples=20000, n_features=30, n_informative=15, noise=10.0, random_state=5))
save("blobs30k", *make_blobs(n_samples=30000, n_features=10, centers=6, cluster_std=2.0, random_state=1))
save("moons3k", *make_moons(n_samples=3000, noise=0.05, random_state=1))
save("blobs3k", *make_blobs(n_samples=3000, n_features=10, centers=5, random_state=2))
rng = np.random.RandomState(3)
W = rng.randn(20000, 20) @ rng.randn(20, 50) + 0.1 * rng.randn(20000, 50)
save("wide20k", W, np.zeros(len(W)))
# Non-negative counts for MultinomialNB, ComplementNB and CategoricalNB: 3
# classes, 20 Poisson features with class-dependent rates.
rng = np.random.RandomState(4)
yc = rng.randint(0, 3, 20000)
rates = rng.uniform(1, 6, (3, 20))
save("counts20k", rng.poisson(rates[yc]).astype(float), yc.astype(float))
