package plots

import (
	"fmt"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// dendrogramJSON is an agglomerative clustering's recorded merge tree
// (train.Dendrogram) in scipy's linkage form.
type dendrogramJSON struct {
	Linkage    string    `json:"linkage"`
	NSamples   int       `json:"n_samples"`
	Truncated  bool      `json:"truncated"`
	LeafCounts []int     `json:"leaf_counts"`
	LeafIDs    []int     `json:"leaf_ids"`
	Children   [][2]int  `json:"children"`
	Distances  []float64 `json:"distances"`
}

// maxDendrogramLabels is the number of leaves labelled on the axis.
const maxDendrogramLabels = 60

// check says what is wrong with the tree, "" when nothing.
func (d *dendrogramJSON) check() string {
	L := len(d.LeafCounts)
	if L < 2 || len(d.Children) != L-1 || len(d.Distances) != L-1 {
		return "the run recorded no merge tree (AgglomerativeClustering runs record children_ and distances_)"
	}
	for i, c := range d.Children {
		for _, v := range c {
			if v < 0 || v >= L+i {
				return fmt.Sprintf("merge %d joins node %d, which does not exist yet", i, v)
			}
		}
	}
	return ""
}

// drawDendrogram draws the tree as scipy's dendrogram does: leaves at
// x = 5, 15, 25, ... in the order of a depth-first walk from the root,
// each merge a ⊓ joining its children at its distance.
func drawDendrogram(d *dendrogramJSON) (*plot.Plot, error) {
	L := len(d.LeafCounts)
	x := make([]float64, 2*L-1)
	h := make([]float64, 2*L-1)
	var order []int
	// Iterative depth-first walk, left child first.
	stack := []int{2*L - 2}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v < L {
			x[v] = 5 + 10*float64(len(order))
			order = append(order, v)
			continue
		}
		c := d.Children[v-L]
		stack = append(stack, c[1], c[0])
	}
	title := fmt.Sprintf("dendrogram (%s linkage, %d samples)", d.Linkage, d.NSamples)
	if d.Linkage == "" {
		title = fmt.Sprintf("dendrogram (%d samples)", d.NSamples)
	}
	if d.Truncated {
		title = fmt.Sprintf("dendrogram, last %d clusters (%s linkage, %d samples)", L, d.Linkage, d.NSamples)
	}
	p := newPlot(title, "", "distance")
	width := vg.Points(1.5)
	if L > 200 {
		width = vg.Points(0.5)
	}
	for i, c := range d.Children {
		v := L + i
		h[v] = d.Distances[i]
		x[v] = (x[c[0]] + x[c[1]]) / 2
		l, err := plotter.NewLine(plotter.XYs{{X: x[c[0]], Y: h[c[0]]}, {X: x[c[0]], Y: h[v]}, {X: x[c[1]], Y: h[v]}, {X: x[c[1]], Y: h[c[1]]}})
		if err != nil {
			return nil, err
		}
		l.Color = Palette[0]
		l.Width = width
		p.Add(l)
	}
	p.X.Min, p.X.Max = 0, 10*float64(L)
	p.Y.Min = 0
	p.Legend.Top = false
	if L <= maxDendrogramLabels {
		var ticks []plot.Tick
		for i, leaf := range order {
			lab := strconv.Itoa(d.leafID(leaf))
			if d.Truncated {
				lab = "(" + strconv.Itoa(d.LeafCounts[leaf]) + ")"
			}
			ticks = append(ticks, plot.Tick{Value: 5 + 10*float64(i), Label: lab})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		if L > 30 {
			p.X.Tick.Label.Font.Size = vg.Points(6)
		}
		p.X.Label.Text = "sample"
		if d.Truncated {
			p.X.Label.Text = "samples in the cluster"
		}
	} else {
		p.X.Tick.Marker = plot.ConstantTicks(nil)
		p.X.Label.Text = fmt.Sprintf("%d samples (unlabelled)", L)
	}
	return p, nil
}

func (d *dendrogramJSON) leafID(i int) int {
	if i < len(d.LeafIDs) {
		return d.LeafIDs[i]
	}
	return i
}
