package spec_test

import (
	"fmt"

	"github.com/mlforge/mlforge/spec"
)

// Parse reports every problem with the shape of a spec, naming the field and
// suggesting the closest known key.
func ExampleParse() {
	_, err := spec.Parse([]byte(`{
	  "name": "iris-knn",
	  "data": {"train": "builtin:iris", "split": {"test_size": "a quarter"}},
	  "modle": {"class": "KNeighborsClassifier"}
	}`))
	fmt.Println(err)
	// Output:
	// data.split.test_size: expected a number, got "a quarter"
	// modle: unknown key (did you mean "model"?); known keys: batch_size, collect, criterion, cv, data, epochs, freeze, grad_clip, image_ops, labels, learning_curve, metrics, model, name, optimizer, optimizer_d, output, permutation_importance, preprocess, pretrained_weights, scheduler, search, seed, target_transforms, task, transforms, validation_curve
}

// Validate checks the fields against each other, the estimator registry and
// the file system, and fills in the defaults that depend on the model.
func ExampleSpec_Validate() {
	s, err := spec.Parse([]byte(`{
	  "name": "diabetes-linear",
	  "data": {"train": "builtin:diabetes"},
	  "model": {"class": "LinearRegression"}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Validate(spec.Env{}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.ModelTask(), s.Metrics, s.Output, *s.Data.Split.Stratify)

	s.Metrics = []string{"accuracy"}
	s.Data.Split.TestSize = 1.5
	fmt.Println(s.Validate(spec.Env{}))
	// Output:
	// regression [r2 mean_squared_error] models/diabetes-linear false
	// data.split.test_size: expected a number > 0 and < 1, got 1.5
	// metrics[0]: "accuracy" is a classification metric but LinearRegression is a regressor
}
