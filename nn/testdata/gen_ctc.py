"""Generate nn/testdata/ctc.json: PyTorch 1.13's CTCLoss (CPU, float32)
losses and gradients.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_ctc.py

Each case draws logits (T, N, C), takes log_probs = log_softmax(logits, 2),
and records the loss of CTCLoss(blank, reduction, zero_infinity) for the
padded targets (N, S) with input_lengths and target_lengths; then the
gradients of sum(loss * w) (w: random weights for reduction "none", 1
otherwise) with respect to log_probs (a leaf: PyTorch's own gradient
formula) and with respect to the logits (through log_softmax).
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.abspath(__file__))

# name, T, C, blank, targets (per sample), input lengths, reductions, zero_infinity
CASES = [
    ("basic", 6, 5, 0, [[1, 2, 3], [4], [2, 2]], [6, 4, 5], False),
    ("repeats", 8, 4, 0, [[1, 1, 2, 2], [3, 3, 3], [1, 2, 1, 2]], [8, 7, 8], False),
    ("blank_last", 7, 6, 5, [[0, 1, 4], [2, 2], [3]], [7, 5, 2], False),
    ("empty_target", 5, 3, 0, [[], [1, 2], [2]], [5, 3, 1], False),
    ("long", 30, 10, 0, [[1, 5, 9, 2, 2, 7, 3, 8], [4, 4, 4, 1], [9, 8, 7, 6, 5, 4, 3, 2, 1, 1]], [30, 22, 27], False),
    ("zero_infinity", 4, 4, 0, [[1, 1, 1], [2, 3], [3, 3, 3, 3]], [4, 4, 3], True),
    ("blank_middle", 6, 5, 2, [[0, 1, 3, 4], [4, 4], [1]], [6, 6, 6], False),
]

cases = []
for i, (name, T, C, blank, targets, in_lens, zinf) in enumerate(CASES):
    g = torch.Generator().manual_seed(100 + i)
    N = len(targets)
    logits = torch.randn(T, N, C, generator=g) * 2
    S = max(len(t) for t in targets)
    padded = torch.zeros(N, max(S, 1), dtype=torch.long)
    for b, t in enumerate(targets):
        padded[b, :len(t)] = torch.tensor(t, dtype=torch.long)
    tl = torch.tensor([len(t) for t in targets])
    il = torch.tensor(in_lens)
    w = torch.rand(N, generator=g) + 0.5
    for red in ("none", "mean", "sum"):
        crit = torch.nn.CTCLoss(blank=blank, reduction=red, zero_infinity=zinf)
        x = logits.clone().requires_grad_()
        lp = torch.log_softmax(x, 2)
        lp_leaf = lp.detach().clone().requires_grad_()
        loss = crit(lp_leaf, padded, il, tl)
        (loss * w).sum().backward() if red == "none" else loss.backward()
        loss2 = crit(lp, padded, il, tl)
        (loss2 * w).sum().backward() if red == "none" else loss2.backward()
        vals = loss.detach().reshape(-1).tolist()
        cases.append({
            "name": f"{name}_{red}", "blank": blank, "reduction": red, "zero_infinity": zinf,
            "T": T, "N": N, "C": C, "targets": targets, "input_lengths": in_lens,
            "weights": w.tolist() if red == "none" else None,
            "log_probs": lp.detach().reshape(-1).tolist(),
            "loss": vals,
            "grad_log_probs": lp_leaf.grad.reshape(-1).tolist(),
            "grad_logits": x.grad.reshape(-1).tolist(),
        })

with open(os.path.join(ROOT, "ctc.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=0, allow_nan=False)
