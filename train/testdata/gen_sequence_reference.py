"""PyTorch reference for mlforge's sequence specs (data.sequence).

Writes train/testdata/sequence/: series.csv (a 60-row time series),
init_<KIND>.safetensors (the initial state_dict of a batch-first KIND
layer, hidden 8, followed by Linear(8, 1), under the names of an
nn.Sequential: 0.weight_ih_l0, ..., 1.weight) and reference.json: for each
of RNN, GRU and LSTM, the per-epoch training loss and val_loss of 20 epochs
of full-batch SGD (lr 0.1) on the windows that the spec

    "sequence": {"window": 6, "horizon": 2, "columns": ["x", "y"], "target": "y"},
    "split": {"test_size": 0.25}

makes: the first 45 rows train (38 windows), the last 15 test (8 windows);
window i is rows [i, i+6) and its target y at row i+7. The training loss of
an epoch is the loss before its one step (one batch); val_loss is the test
windows' MSE after it. Run with /usr/bin/python3 (torch 1.13) from the
repository root:

    /usr/bin/python3 train/testdata/gen_sequence_reference.py
"""
import json
import math
import struct

import numpy as np
import torch

OUT = "train/testdata/sequence/"
W, H, TEST = 6, 2, 0.25
EPOCHS, LR, HIDDEN = 20, 0.1, 8


def save_safetensors(path, tensors):
    header, chunks, off = {}, [], 0
    for name in sorted(tensors):
        b = tensors[name].detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def series():
    rng = np.random.default_rng(0)
    t = np.arange(60)
    x = np.cos(0.3 * t) + 0.1 * rng.standard_normal(60)
    y = np.sin(0.3 * t) + 0.1 * rng.standard_normal(60)
    x, y = np.round(x, 6), np.round(y, 6)
    with open(OUT + "series.csv", "w") as f:
        f.write("t,x,y\n")
        for i in range(60):
            f.write("%d,%.6f,%.6f\n" % (i, x[i], y[i]))
    return np.stack([x, y], 1).astype(np.float32), y.astype(np.float32)


def windows(X, y):
    n = (len(X) - W - H) + 1
    xs = np.stack([X[i:i + W] for i in range(n)])
    ys = np.array([y[i + W - 1 + H] for i in range(n)], dtype=np.float32)[:, None]
    return torch.from_numpy(xs), torch.from_numpy(ys)


class Net(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = getattr(torch.nn, kind)(2, HIDDEN, batch_first=True)
        self.fc = torch.nn.Linear(HIDDEN, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :])

    def state(self):
        sd = {"0." + k: v for k, v in self.rnn.state_dict().items()}
        sd.update({"1." + k: v for k, v in self.fc.state_dict().items()})
        return sd


def main():
    X, y = series()
    cut = len(X) - math.ceil(TEST * len(X))
    xtr, ytr = windows(X[:cut], y[:cut])
    xte, yte = windows(X[cut:], y[cut:])
    ref = {"n_train": len(xtr), "n_test": len(xte), "epochs": EPOCHS, "lr": LR}
    for i, kind in enumerate(["RNN", "GRU", "LSTM"]):
        torch.manual_seed(i)
        net = Net(kind)
        save_safetensors(OUT + "init_%s.safetensors" % kind, net.state())
        opt = torch.optim.SGD(net.parameters(), lr=LR)
        loss_fn = torch.nn.MSELoss()
        losses, vals = [], []
        for _ in range(EPOCHS):
            opt.zero_grad()
            loss = loss_fn(net(xtr), ytr)
            loss.backward()
            opt.step()
            with torch.no_grad():
                vals.append(loss_fn(net(xte), yte).item())
            losses.append(loss.item())
        ref[kind] = {"loss": losses, "val_loss": vals}
    with open(OUT + "reference.json", "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("wrote", OUT, {k: ref[k]["loss"][-1] for k in ["RNN", "GRU", "LSTM"]})


if __name__ == "__main__":
    main()
