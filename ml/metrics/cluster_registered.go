package metrics

import "github.com/mlforge/mlforge/ml"

// The clustering metrics are registered under scikit-learn's function
// names, which are also its scorer names (adjusted_rand_score, ...), and
// under the names without "_score" (adjusted_rand, silhouette, ...). The
// external ones compare Input.YPred (the cluster labels) with Input.YTrue
// (a labelled column); the internal ones (NeedsX) score Input.YPred
// against Input.X.
func init() {
	ext := func(name, doc string, f func(t, p []float64) (float64, error)) {
		for _, n := range []string{name + "_score", name} {
			Register(&Metric{Name: n, Task: ml.Clustering, GreaterIsBetter: true, Doc: doc,
				Score: func(in Input) (float64, error) { return f(in.YTrue, in.YPred) }})
		}
	}
	ext("adjusted_rand", "Rand index adjusted for chance between the clusters and a labelled column", AdjustedRandScore)
	ext("rand", "fraction of sample pairs on which the clusters and a labelled column agree", RandScore)
	ext("mutual_info", "mutual information (nats) between the clusters and a labelled column", MutualInfoScore)
	ext("normalized_mutual_info", "mutual information normalised by the mean of the entropies (arithmetic)", func(t, p []float64) (float64, error) {
		return NormalizedMutualInfoScore(t, p, "arithmetic")
	})
	ext("adjusted_mutual_info", "mutual information adjusted for chance (arithmetic normalisation)", func(t, p []float64) (float64, error) {
		return AdjustedMutualInfoScore(t, p, "arithmetic")
	})
	pick := func(k int) func(t, p []float64) (float64, error) {
		return func(t, p []float64) (float64, error) {
			h, c, v, err := HomogeneityCompletenessVMeasure(t, p, 1)
			return [3]float64{h, c, v}[k], err
		}
	}
	ext("homogeneity", "each cluster contains only members of a single class", pick(0))
	ext("completeness", "all members of a class are in the same cluster", pick(1))
	ext("v_measure", "harmonic mean of homogeneity and completeness", pick(2))
	ext("fowlkes_mallows", "geometric mean of the pairwise precision and recall", FowlkesMallowsScore)

	internal := func(name string, greater bool, doc string, f func(in Input) (float64, error)) {
		for _, n := range []string{name + "_score", name} {
			Register(&Metric{Name: n, Task: ml.Clustering, NeedsX: true, GreaterIsBetter: greater, Doc: doc,
				Score: func(in Input) (float64, error) {
					if in.X == nil {
						return 0, ml.DataErrorf("%s scores the clusters against the data, and none was given", n)
					}
					return f(in)
				}})
		}
	}
	internal("silhouette", true, "mean silhouette coefficient (euclidean) of the clusters", func(in Input) (float64, error) {
		return SilhouetteScore(in.X, in.YPred, "euclidean")
	})
	internal("calinski_harabasz", true, "ratio of between- to within-cluster dispersion", func(in Input) (float64, error) {
		return CalinskiHarabaszScore(in.X, in.YPred)
	})
	internal("davies_bouldin", false, "mean similarity of each cluster with its most similar one; lower is better", func(in Input) (float64, error) {
		return DaviesBouldinScore(in.X, in.YPred)
	})
}
