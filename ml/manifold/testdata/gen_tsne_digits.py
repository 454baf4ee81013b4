"""Writes tsne_digits.json: scikit-learn 1.2.1's TSNE with its defaults on
all of digits (1,797 × 64) for seeds 0 and 1: kl_divergence_, n_iter_
and trustworthiness (k 5), for tsne_test.go. Run with /usr/bin/python3
gen_tsne_digits.py."""
import json
import warnings

import sklearn
from sklearn.datasets import load_digits
from sklearn.manifold import TSNE, trustworthiness

assert sklearn.__version__ == "1.2.1", sklearn.__version__
warnings.simplefilter("ignore")

X = load_digits().data
runs = []
for seed in range(2):
    t = TSNE(random_state=seed)
    E = t.fit_transform(X)
    runs.append({"seed": seed, "kl_divergence": float(t.kl_divergence_), "n_iter": int(t.n_iter_),
                 "trustworthiness": float(trustworthiness(X, E, n_neighbors=5)),
                 "learning_rate": float(t.learning_rate_)})
with open("tsne_digits.json", "w") as f:
    json.dump({"data": "digits", "n": len(X), "params": {}, "runs": runs}, f)
print(runs)
