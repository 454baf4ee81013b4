package nn

// sparseGrad marks (in a parameter's ctx, unused by leaves) a parameter
// whose gradient PyTorch makes a sparse tensor: the weight of an Embedding
// with sparse true.
type sparseGrad struct{}

// SparseGrad reports whether v's gradient is sparse in PyTorch: the weight
// of an Embedding with sparse true, whose gradient holds only the rows
// looked up. Here it is dense, its other rows zero; optim.New refuses it
// where PyTorch's optimizer refuses sparse gradients, and SparseAdam takes
// nothing else.
func SparseGrad(v *Var) bool {
	_, ok := v.ctx.(sparseGrad)
	return ok
}

// GradLayers returns the indices of the planned layers that have trainable
// parameters with sparse gradients (Embedding with sparse true), and of
// those with dense ones, for a check of the optimizer before the network
// is built (optim.CheckGrads).
func (p *NetPlan) GradLayers() (sparse, dense []int) {
	for i, l := range p.Layers {
		if l.Params == 0 {
			continue
		}
		if p.seq != nil && i < len(p.seq.Layers) {
			if e, ok := p.seq.Layers[i].(*Embedding); ok && e.Sparse {
				sparse = append(sparse, i)
				continue
			}
		}
		dense = append(dense, i)
	}
	return sparse, dense
}
