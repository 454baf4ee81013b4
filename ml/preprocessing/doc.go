// Package preprocessing provides scikit-learn's feature scalers and imputer,
// registered with ml by their class names: StandardScaler, MinMaxScaler and
// SimpleImputer (Task ml.Transform, Family "preprocessing").
//
// Like scikit-learn, they take NaN as a missing value: the scalers ignore it
// when fitting and keep it when transforming, and SimpleImputer replaces it.
// Infinity is always an error. Fitted attributes are read through methods
// named after scikit-learn's (Mean for mean_, Statistics for statistics_),
// and every result matches scikit-learn 1.2 bit for bit on the fixtures in
// testdata (gen.py writes them).
package preprocessing
