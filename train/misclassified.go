package train

// MaxMisclassified is how many misclassified test images a run records at
// most (the first ones in test order); Misclassified.Total counts them all.
const MaxMisclassified = 100

// Misclassified are the test images of an image-folder classifier run
// whose predicted class is not their own.
type Misclassified struct {
	// Total is how many test images were misclassified; Items holds the
	// first MaxMisclassified of them.
	Total int                `json:"total"`
	NTest int                `json:"n_test"`
	Items []MisclassifiedRow `json:"items"`
}

// MisclassifiedRow is one misclassified test image: its place in the test
// data, its file under the run's data folder, its true and predicted
// class labels.
type MisclassifiedRow struct {
	Index int    `json:"index"`
	File  string `json:"file"`
	True  string `json:"true"`
	Pred  string `json:"pred"`
}

// misclassified lists the test items whose pred differs from y (class
// values; labels names them in classes' order).
func misclassified(files []string, y, pred, classes []float64, labels []string) *Misclassified {
	name := func(v float64) string {
		for i, c := range classes {
			if c == v && i < len(labels) {
				return labels[i]
			}
		}
		return "?"
	}
	m := &Misclassified{NTest: len(y), Items: []MisclassifiedRow{}}
	for i := range y {
		if i >= len(pred) || i >= len(files) || pred[i] == y[i] {
			continue
		}
		m.Total++
		if len(m.Items) < MaxMisclassified {
			m.Items = append(m.Items, MisclassifiedRow{Index: i, File: files[i], True: name(y[i]), Pred: name(pred[i])})
		}
	}
	return m
}
