// Package mltest is the common check suite that every registered estimator
// passes, like scikit-learn's check_estimator.
package mltest
