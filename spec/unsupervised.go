package spec

import (
	"fmt"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
)

// Unsupervised runs: a classic spec whose model is a clusterer (KMeans,
// DBSCAN, AgglomerativeClustering, MeanShift, SpectralClustering), a decomposition transformer (PCA) or a
// manifold learner (TSNE, whose embedding of the training rows is saved in
// its state).
// The model is fitted on all the training data, without a target; a
// data.target names a labelled column that is kept out of the features and
// scored against the clusters (adjusted_rand_score, ...), and without one
// only the metrics computed from the data are allowed (silhouette_score,
// ...).

// unsupervisedClass reports whether a model class is fitted without a
// target: a clusterer, or a transformer of the decomposition or manifold
// family.
func unsupervisedClass(c *ml.ClassInfo) bool {
	return c.Task == ml.Clustering || (c.Task == ml.Transform && (c.Family == "decomposition" || c.Family == "manifold"))
}

// IsUnsupervised reports whether s is an unsupervised run: a classic model
// that is a clusterer, a decomposition transformer or a manifold learner.
func (s *Spec) IsUnsupervised() bool {
	if s.IsNetwork() {
		return false
	}
	c, err := ml.Lookup(s.Model.Class)
	return err == nil && unsupervisedClass(c)
}

// unsupervisedMetrics is the default metrics of an unsupervised run: the
// agreement with the labelled column when there is one, the silhouette
// otherwise; none for a transformer.
func (s *Spec) unsupervisedMetrics(task ml.Task) []string {
	if task != ml.Clustering {
		return nil
	}
	if s.Data.Target != "" {
		return []string{"adjusted_rand_score", "normalized_mutual_info_score"}
	}
	return []string{"silhouette_score"}
}

// checkUnsupervisedMetric returns why metric m cannot score this run, or
// "" when it can: a metric against labels needs data.target.
func (s *Spec) checkUnsupervisedMetric(m *metrics.Metric) string {
	if m.Task == ml.Clustering && !m.NeedsX && s.Data.Target == "" {
		return fmt.Sprintf("%s compares the clusters with a labelled column: name it in data.target, or use a metric computed from the data (silhouette_score, calinski_harabasz_score, davies_bouldin_score)", quote(m.Name))
	}
	return ""
}

// checkFitOnly refuses data.test for a model that maps only the rows it
// is fitted on (ml.FitTransformer without Transform: TSNE), which has
// nothing to do with test rows.
func (s *Spec) checkFitOnly(c *errs, est ml.Estimator) {
	if est == nil || s.Data.Test.IsZero() {
		return
	}
	_, fitOnly := est.(ml.FitTransformer)
	if _, tr := est.(ml.Transformer); fitOnly && !tr {
		c.add("data.test", fmt.Sprintf("%s has no transform for new rows (it embeds only the rows it is fitted on, as in scikit-learn): leave data.test out", s.Model.Class))
	}
}
