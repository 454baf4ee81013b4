#!/usr/bin/python3
"""Writes the 20,000 x 20 synthetic sets that bench/classic/run.sh times both
libraries on: classification.csv (3 classes) and regression.csv, into DIR."""
import sys

import numpy as np
from sklearn.datasets import make_classification, make_regression

out = sys.argv[1]
X, y = make_classification(n_samples=20000, n_features=20, n_informative=10,
                           n_redundant=4, n_classes=3, random_state=1)
np.savetxt(f"{out}/classification.csv", np.column_stack([X, y]), delimiter=",",
           fmt="%.17g", header=",".join([f"x{i}" for i in range(20)] + ["target"]), comments="")
X, y = make_regression(n_samples=20000, n_features=20, n_informative=12, noise=10.0, random_state=1)
np.savetxt(f"{out}/regression.csv", np.column_stack([X, y]), delimiter=",",
           fmt="%.17g", header=",".join([f"x{i}" for i in range(20)] + ["target"]), comments="")
