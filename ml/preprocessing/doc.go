// Package preprocessing provides scalers, imputers and encoders, registered with ml by their scikit-learn class names.
package preprocessing
