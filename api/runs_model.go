package api

// RunModel is the answer of GET /api/runs/{id}/model/info: what the page
// needs to download the model of one run and to build its predict form.
// Input is "table" (Features name the columns, in order) or "images"
// (InputShape is one sample's shape after the transforms, ImageMode the
// pixel format images are decoded to).
type RunModel struct {
	RunID      string             `json:"run_id"`
	Name       string             `json:"name"`
	Task       string             `json:"task"`
	Kind       string             `json:"kind"`
	Input      string             `json:"input"`
	Features   []string           `json:"features,omitempty"`
	Target     string             `json:"target,omitempty"`
	Classes    []string           `json:"classes,omitempty"`
	InputShape []int              `json:"input_shape,omitempty"`
	ImageMode  string             `json:"image_mode,omitempty"`
	Size       int64              `json:"size"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
	Download   string             `json:"download"`
	Predict    string             `json:"predict"`
}
