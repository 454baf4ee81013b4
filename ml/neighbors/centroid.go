package neighbors

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// NearestCentroid is scikit-learn 1.2's NearestCentroid: each class is
// represented by its centroid (the mean of its rows, or their median for
// metric "manhattan"), optionally shrunk towards the overall mean by
// shrink_threshold (nearest shrunken centroids), and a row is given the
// class of the nearest centroid (the first on ties). Distances are
// computed exactly; scikit-learn's pairwise_distances_argmin uses the
// ‖x‖² − 2x·c + ‖c‖² form, so the two can disagree only on rows
// equidistant to two centroids up to rounding.
type NearestCentroid struct {
	Metric          string   `json:"metric" enum:"euclidean,manhattan" help:"distance to the centroids: euclidean (centroids are means) or manhattan (centroids are medians)"`
	ShrinkThreshold *float64 `json:"shrink_threshold" nullable:"true" min:"0" help:"threshold for shrinking the centroids towards the overall mean to remove features; null or 0 shrinks nothing"`

	classes   []float64
	centroids *mat.Dense
}

// NewNearestCentroid returns scikit-learn's defaults: euclidean, no
// shrinking.
func NewNearestCentroid() *NearestCentroid { return &NearestCentroid{Metric: "euclidean"} }

const centroidName = "NearestCentroid"

// Fit computes the centroids.
func (c *NearestCentroid) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(c); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, yi, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	K := len(classes)
	if K < 2 {
		return ml.DataErrorf("the number of classes has to be greater than one; got %d class", K)
	}
	n, d := X.Dims()
	nk := make([]float64, K)
	members := make([][]int, K)
	for i, k := range yi {
		nk[k]++
		members[k] = append(members[k], i)
	}
	cent := mat.NewDense(K, d, nil)
	col := make([]float64, 0, n)
	for k := range K {
		row := cent.RawRowView(k)
		if c.Metric == "manhattan" {
			for j := range d {
				col = col[:0]
				for _, i := range members[k] {
					col = append(col, X.At(i, j))
				}
				row[j] = median(col)
			}
			continue
		}
		for _, i := range members[k] {
			for j, v := range X.RawRowView(i) {
				row[j] += v
			}
		}
		for j := range row {
			row[j] /= nk[k]
		}
	}
	if t := c.ShrinkThreshold; t != nil && *t != 0 {
		allFlat := true
		for j := range d {
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := range n {
				v := X.At(i, j)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			allFlat = allFlat && hi-lo == 0
		}
		if allFlat {
			return ml.DataErrorf("all features have zero variance: shrink_threshold would divide by zero")
		}
		if n == K {
			return ml.DataErrorf("shrink_threshold needs more rows (%d) than classes (%d) to estimate the within-class spread", n, K)
		}
		mean := make([]float64, d)
		variance := make([]float64, d)
		for i := range n {
			ci := cent.RawRowView(yi[i])
			for j, v := range X.RawRowView(i) {
				mean[j] += v
				dv := v - ci[j]
				variance[j] += dv * dv
			}
		}
		s := make([]float64, d)
		for j := range d {
			mean[j] /= float64(n)
			s[j] = math.Sqrt(variance[j] / float64(n-K))
		}
		med := median(slices.Clone(s))
		for j := range s {
			s[j] += med
		}
		for k := range K {
			m := math.Sqrt(1/nk[k] - 1/float64(n))
			row := cent.RawRowView(k)
			for j := range d {
				ms := m * s[j]
				dev := (row[j] - mean[j]) / ms
				sign := 0.0
				switch {
				case dev > 0:
					sign = 1
				case dev < 0:
					sign = -1
				}
				dev = math.Max(math.Abs(dev)-*t, 0) * sign
				row[j] = mean[j] + ms*dev
			}
		}
	}
	c.classes, c.centroids = classes, cent
	return nil
}

// median is np.median of v (reordered): the middle value, or the mean of
// the two middle ones.
func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// Predict returns the class of the nearest centroid of each row.
func (c *NearestCentroid) Predict(X *mat.Dense) ([]float64, error) {
	if c.centroids == nil {
		return nil, ml.NotFittedError(centroidName)
	}
	K, d := c.centroids.Dims()
	if err := ml.CheckX(X, d); err != nil {
		return nil, err
	}
	r, _ := X.Dims()
	out := make([]float64, r)
	for i := range r {
		x := X.RawRowView(i)
		best, bestD := 0, math.Inf(1)
		for k := range K {
			ck := c.centroids.RawRowView(k)
			s := 0.0
			for j, v := range x {
				if c.Metric == "manhattan" {
					s += math.Abs(v - ck[j])
				} else {
					s += (v - ck[j]) * (v - ck[j])
				}
			}
			if s < bestD {
				best, bestD = k, s
			}
		}
		out[i] = c.classes[best]
	}
	return out, nil
}

// Classes returns the sorted class values seen by Fit.
func (c *NearestCentroid) Classes() []float64 { return slices.Clone(c.classes) }

// Centroids returns centroids_ (classes × features), a copy.
func (c *NearestCentroid) Centroids() *mat.Dense {
	if c.centroids == nil {
		return nil
	}
	return mat.DenseCopyOf(c.centroids)
}

// MarshalState returns the classes and the centroids.
func (c *NearestCentroid) MarshalState() (*ml.State, error) {
	if c.centroids == nil {
		return nil, ml.NotFittedError(centroidName)
	}
	K, d := c.centroids.Dims()
	st := ml.NewState()
	st.SetFloats("classes", c.classes)
	st.SetFloats("centroids", c.centroids.RawMatrix().Data, K, d)
	return st, nil
}

// UnmarshalState restores a state written by MarshalState.
func (c *NearestCentroid) UnmarshalState(st *ml.State) error {
	classes, _, err := st.Floats("classes", -1)
	if err != nil {
		return err
	}
	if len(classes) < 2 {
		return fmt.Errorf("state: %d classes, expected at least 2", len(classes))
	}
	for i, v := range classes {
		if math.IsNaN(v) || math.IsInf(v, 0) || i > 0 && v <= classes[i-1] {
			return fmt.Errorf("state: classes must be finite and strictly increasing")
		}
	}
	cent, shape, err := st.Floats("centroids", len(classes), -1)
	if err != nil {
		return err
	}
	if shape[1] < 1 {
		return fmt.Errorf("state: centroids have no feature")
	}
	for i, v := range cent {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("state: centroids[%d] is %v, expected a finite value", i, v)
		}
	}
	c.classes, c.centroids = slices.Clone(classes), mat.NewDense(shape[0], shape[1], slices.Clone(cent))
	return nil
}

func init() {
	ml.Register(ml.ClassInfo{
		Name: centroidName, Task: ml.Classification, Family: "neighbors",
		Doc: "class of the nearest class centroid (means, or medians for manhattan), optionally shrunken",
		New: func() ml.Estimator { return NewNearestCentroid() },
	})
}
