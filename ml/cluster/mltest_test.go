package cluster

import (
	"encoding/json"
	"testing"

	"github.com/mlforge/mlforge/ml/mltest"
)

// TestCommonChecks runs the common estimator suite on every class here, with
// default and non-default hyperparameters.
func TestCommonChecks(t *testing.T) {
	for _, c := range []struct {
		class, params string
	}{
		{"KMeans", `{"n_clusters": 3, "random_state": 0}`},
		{"KMeans", `{"n_clusters": 3, "algorithm": "elkan", "init": "random", "n_init": 2, "random_state": 1}`},
		{"MiniBatchKMeans", `{"n_clusters": 3, "batch_size": 20}`},
		{"MiniBatchKMeans", `{"n_clusters": 3, "batch_size": 50, "init": "random", "tol": 0.01, "max_no_improvement": null}`},
		{"DBSCAN", ``},
		{"DBSCAN", `{"eps": 1.5, "min_samples": 3, "metric": "manhattan", "algorithm": "brute"}`},
		{"AgglomerativeClustering", ``},
		{"AgglomerativeClustering", `{"n_clusters": 3, "linkage": "single", "metric": "manhattan"}`},
		{"AgglomerativeClustering", `{"n_clusters": null, "distance_threshold": 2, "linkage": "average", "metric": "cosine"}`},
		{"MeanShift", ``},
		{"MeanShift", `{"bandwidth": 3, "bin_seeding": true, "cluster_all": false}`},
		{"SpectralClustering", `{"n_clusters": 3, "random_state": 0}`},
		{"SpectralClustering", `{"n_clusters": 3, "affinity": "nearest_neighbors", "assign_labels": "discretize"}`},
		{"SpectralClustering", `{"n_clusters": 3, "gamma": 0.1, "assign_labels": "cluster_qr", "n_components": 4}`},
	} {
		t.Run(c.class+c.params, func(t *testing.T) {
			opts := mltest.OptionsFor(c.class)
			if c.params != "" {
				opts.Params = json.RawMessage(c.params)
			}
			mltest.CheckWith(t, c.class, opts)
		})
	}
}
