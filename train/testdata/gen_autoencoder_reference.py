"""PyTorch reference for mlforge's autoencoder specs ("task": "autoencoder").

Writes train/testdata/autoencoder/: train.csv (30 rows) and test.csv (10
rows) of 6 features near a 2-D plane, init.safetensors (the initial
state_dict of a module with the nn.Sequential attributes

    encoder = Sequential(Linear(6, 3), Tanh())
    decoder = Sequential(Linear(3, 6))

under "encoder.0.weight", ..., "decoder.0.bias") and reference.json: the
per-epoch training loss (MSELoss of the reconstruction, before the epoch's
one full-batch step) and val_loss (the test rows' MSELoss after it) of 20
epochs of SGD (lr 0.1, momentum 0.9), and the latent codes and
reconstructions of the first 3 test rows after training. Run with
/usr/bin/python3 (torch 1.13) from the repository root:

    /usr/bin/python3 train/testdata/gen_autoencoder_reference.py
"""
import json
import struct

import numpy as np
import torch

OUT = "train/testdata/autoencoder/"
EPOCHS, LR, MOMENTUM = 20, 0.1, 0.9


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


def write_csv(path, X):
    with open(path, "w") as f:
        f.write(",".join("f%d" % j for j in range(X.shape[1])) + "\n")
        for row in X:
            f.write(",".join("%.6f" % v for v in row) + "\n")


class AE(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.Tanh())
        self.decoder = torch.nn.Sequential(torch.nn.Linear(3, 6))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def main():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((40, 2))
    A = rng.standard_normal((2, 6))
    X = np.round(Z @ A + 0.05 * rng.standard_normal((40, 6)), 6)
    write_csv(OUT + "train.csv", X[:30])
    write_csv(OUT + "test.csv", X[30:])
    xtr = torch.tensor(X[:30], dtype=torch.float32)
    xte = torch.tensor(X[30:], dtype=torch.float32)

    torch.manual_seed(0)
    net = AE()
    save_safetensors(OUT + "init.safetensors", net.state_dict())
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.MSELoss()
    losses, vals = [], []
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss = loss_fn(net(xtr), xtr)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        with torch.no_grad():
            vals.append(loss_fn(net(xte), xte).item())
    with torch.no_grad():
        latent = net.encoder(xte[:3]).tolist()
        recon = net(xte[:3]).tolist()
    ref = {"epochs": EPOCHS, "loss": losses, "val_loss": vals, "latent": latent, "reconstruction": recon}
    with open(OUT + "reference.json", "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("wrote", OUT, "loss", losses[0], "->", losses[-1])


if __name__ == "__main__":
    main()
