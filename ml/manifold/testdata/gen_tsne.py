"""Writes tsne.json: scikit-learn 1.2.1's t-SNE affinities (the joint P of
the exact and Barnes-Hut methods) on small sets, and reference runs on
digits subsets (kl_divergence_, n_iter_ and trustworthiness over five
seeds), for tsne_test.go. Run with /usr/bin/python3 gen_tsne.py."""
import json
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities, _joint_probabilities_nn
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

assert sklearn.__version__ == "1.2.1", sklearn.__version__
warnings.simplefilter("ignore")

rng = np.random.RandomState(0)
out = {"exact_p": [], "bh_p": [], "runs": [], "trust": []}
small = rng.randn(60, 5)
for perp in [5.0, 10.0, 30.0]:
    D = pairwise_distances(small, metric="euclidean", squared=True)
    P = _joint_probabilities(D, perp, 0)
    from scipy.spatial.distance import squareform
    out["exact_p"].append({"perplexity": perp, "X": small.tolist(), "P": squareform(P).tolist()})
mid = rng.rand(120, 4)
for perp in [5.0, 20.0]:
    k = min(len(mid) - 1, int(3.0 * perp + 1))
    knn = NearestNeighbors(n_neighbors=k).fit(mid)
    Dn = knn.kneighbors_graph(mode="distance")
    Dn.data **= 2
    P = _joint_probabilities_nn(Dn, perp, 0)
    out["bh_p"].append({"perplexity": perp, "X": mid.tolist(), "P": P.toarray().tolist()})

digits = load_digits()
for name, n, params in [("digits500", 500, {}), ("digits300-exact", 300, {"method": "exact"}),
                        ("digits500-random", 500, {"init": "random"})]:
    X = digits.data[:n]
    runs = []
    for seed in range(5):
        t = TSNE(random_state=seed, **params)
        E = t.fit_transform(X)
        runs.append({"seed": seed, "kl_divergence": float(t.kl_divergence_), "n_iter": int(t.n_iter_),
                     "trustworthiness": float(trustworthiness(X, E, n_neighbors=5)),
                     "learning_rate": float(t.learning_rate_)})
    out["runs"].append({"data": name, "n": n, "params": params, "runs": runs})
# trustworthiness itself on a fixed pair.
E = rng.randn(150, 2)
Xt = np.c_[E, 0.3 * rng.randn(150, 3)]
out["trust"].append({"X": Xt.tolist(), "E": E.tolist(), "k": 5, "value": float(trustworthiness(Xt, E, n_neighbors=5))})
out["trust"].append({"X": Xt.tolist(), "E": E.tolist(), "k": 12, "value": float(trustworthiness(Xt, E, n_neighbors=12))})
with open("tsne.json", "w") as f:
    json.dump(out, f)
for r in out["runs"]:
    print(r["data"], [(x["kl_divergence"], x["trustworthiness"], x["n_iter"]) for x in r["runs"]])
