// Package linear provides linear models: LinearRegression, Ridge, LogisticRegression, registered with ml by their scikit-learn class names.
package linear
