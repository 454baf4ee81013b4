package spec

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// A named architecture given as model.class is the network of that one
// layer, and writes back in the form it was given.
func TestArchitectureClass(t *testing.T) {
	s, err := Parse([]byte(`{"name": "r", "data": {"train": "imgs"},
		"model": {"class": "ResNet18", "params": {"in_channels": "auto", "num_classes": "n_labels"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !s.IsNetwork() || s.Model.Class != "" || len(s.Model.Layers) != 1 || string(s.Model.Layers[0]["type"]) != `"ResNet18"` ||
		string(s.Model.Layers[0]["num_classes"]) != `"n_labels"` {
		t.Fatalf("model = %+v", s.Model)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip through %s:\n%+v\n%+v", b, back.Model, s.Model)
	}
	// A classic estimator's class is left alone.
	if s, err := Parse([]byte(`{"name": "k", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}}`)); err != nil || s.IsNetwork() {
		t.Fatalf("classic: %v %+v", err, s)
	}
	err = s.Paths(Errors{{Path: "model.layers[0].num_classes", Msg: "x"}, {Path: "model.layers[0].type", Msg: "y"}})
	if l := err.(Errors); l[0].Path != "model.params.num_classes" || l[1].Path != "model.class" {
		t.Fatalf("paths: %v", err)
	}
}

// A misspelt architecture's class gets the architecture as a hint.
func TestArchitectureClassHint(t *testing.T) {
	s, err := Parse([]byte(`{"name": "r", "data": {"train": "builtin:iris"}, "model": {"class": "resnet18"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(Env{}); err == nil || !strings.Contains(err.Error(), `model.class: unknown class "resnet18" (did you mean "ResNet18"?): a torchvision architecture`) {
		t.Fatalf("Validate: %v", err)
	}
}
