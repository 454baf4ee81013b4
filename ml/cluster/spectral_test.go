package cluster

import (
	"fmt"
	"testing"
)

// TestSpectralParity: SpectralClustering's labels equal scikit-learn
// 1.2.1's up to a permutation of the cluster numbers (adjusted Rand index
// 1) for the rbf and nearest_neighbors affinities and the three
// assign_labels, on data the embedding separates. Row-for-row parity is
// not possible: scikit-learn's embedding comes from ARPACK, k-means and
// discretize draw from numpy's generator (see SpectralClustering).
func TestSpectralParity(t *testing.T) {
	p := loadMeanShift(t)
	for _, c := range p.Spectral {
		t.Run(fmt.Sprintf("%s/%v", c.Data, c.Params), func(t *testing.T) {
			sc := fit(t, "SpectralClustering", c.Params, dense(p.Data[c.Data])).(*SpectralClustering)
			if !sameUpToPermutation(sc.Labels(), c.Labels) {
				m := map[[2]int]int{}
				for i, l := range sc.Labels() {
					m[[2]int{l, c.Labels[i]}]++
				}
				t.Errorf("labels differ from scikit-learn's beyond a permutation (scikit-learn's ARI against the truth %g); contingency %v", c.ARITruth, m)
			}
		})
	}
}
