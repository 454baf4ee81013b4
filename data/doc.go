// Package data reads tabular data for the classic estimators: CSV files with
// a header line (ReadCSV, ReadCSVFile) into a Frame of numeric features and
// an optional target, and splits it into training and test parts
// (TrainTestSplit, Frame.Split) the way scikit-learn's train_test_split does.
// The built-in data sets live in data/datasets.
//
// Errors about the data are *Error values that name the file, line and
// column, and say what was expected.
package data
