// Package preprocessing provides scikit-learn's feature transformers,
// registered with ml by their class names (Task ml.Transform, Family
// "preprocessing"): the scalers StandardScaler, MinMaxScaler, RobustScaler,
// MaxAbsScaler and Normalizer, SimpleImputer, PolynomialFeatures,
// FunctionTransformer, KBinsDiscretizer, PowerTransformer,
// QuantileTransformer, OneHotEncoder and OrdinalEncoder.
//
// Like scikit-learn, the scalers, SimpleImputer, PowerTransformer and
// QuantileTransformer take NaN as a missing value: they ignore it when
// fitting and keep it when transforming (SimpleImputer replaces it). The
// others refuse NaN with an error that says to impute first. Infinity is
// always an error. Every output is a dense matrix, also where scikit-learn
// returns a sparse one by default (OneHotEncoder, KBinsDiscretizer's
// "onehot"), and the encoders' categories are numbers: mlforge's feature
// columns are numeric.
//
// Fitted attributes are read through methods named after scikit-learn's
// (Mean for mean_, Statistics for statistics_, Lambdas for lambdas_). The
// fixtures in testdata, written by the gen*.py scripts with scikit-learn 1.2,
// hold scikit-learn's results; each parity test states how closely they are
// matched (bit for bit unless it says otherwise).
package preprocessing
