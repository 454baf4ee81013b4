"""PyTorch reference for mlforge's GAN specs ("task": "gan").

Writes train/testdata/gan/: images.idx3.gz and labels.idx1.gz (16 gray 4 x 4
images), init.safetensors (the initial state_dict of a module with the
nn.Sequential attributes

    generator     = Sequential(Linear(3, 16), Tanh(), Unflatten(1, (1, 4, 4)))
    discriminator = Sequential(Flatten(), Linear(16, 8), LeakyReLU(0.2), Linear(8, 1))

under "generator.0.weight", ..., "discriminator.3.bias") and reference.json:
the noise of each step (16 x 3, N(0, 1) from numpy's seed 0) and, per
epoch (one full-batch step: ToTensor images, BCEWithLogitsLoss), the
discriminator's loss (real to 1 plus generated, detached, to 0; SGD lr 0.1)
and the generator's (through the updated discriminator, to 1; Adam lr 0.01,
betas (0.5, 0.999)), as the PyTorch DCGAN tutorial's loop, with d_real and
d_fake the mean sigmoid of the discriminator on the real and generated
batch before its step. Run with /usr/bin/python3 (torch 1.13) from the
repository root:

    /usr/bin/python3 train/testdata/gen_gan_reference.py
"""
import gzip
import json
import struct

import numpy as np
import torch

OUT = "train/testdata/gan/"
N, LATENT, EPOCHS = 16, 3, 5


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


class GAN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.generator = torch.nn.Sequential(torch.nn.Linear(LATENT, 16), torch.nn.Tanh(), torch.nn.Unflatten(1, (1, 4, 4)))
        self.discriminator = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 8), torch.nn.LeakyReLU(0.2), torch.nn.Linear(8, 1))


def main():
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(N, 4, 4), dtype=np.uint8)
    with gzip.open(OUT + "images.idx3.gz", "wb") as f:
        f.write(struct.pack(">IIII", 2051, N, 4, 4) + imgs.tobytes())
    with gzip.open(OUT + "labels.idx1.gz", "wb") as f:
        f.write(struct.pack(">II", 2049, N) + bytes([i % 2 for i in range(N)]))
    x = torch.tensor(imgs, dtype=torch.float32).unsqueeze(1) / 255
    noise = [rng.standard_normal((N, LATENT)).astype(np.float32) for _ in range(EPOCHS)]

    torch.manual_seed(0)
    net = GAN()
    save_safetensors(OUT + "init.safetensors", net.state_dict())
    G, D = net.generator, net.discriminator
    optD = torch.optim.SGD(D.parameters(), lr=0.1)
    optG = torch.optim.Adam(G.parameters(), lr=0.01, betas=(0.5, 0.999))
    crit = torch.nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(N, 1), torch.zeros(N, 1)
    ref = {"noise": [z.tolist() for z in noise], "loss_d": [], "loss_g": [], "d_real": [], "d_fake": []}
    for e in range(EPOCHS):
        fake = G(torch.from_numpy(noise[e]))
        D.zero_grad()
        out_real = D(x)
        out_fake = D(fake.detach())
        err_d = crit(out_real, ones) + crit(out_fake, zeros)
        err_d.backward()
        optD.step()
        G.zero_grad()
        err_g = crit(D(fake), ones)
        err_g.backward()
        optG.step()
        ref["loss_d"].append(err_d.item())
        ref["loss_g"].append(err_g.item())
        ref["d_real"].append(torch.sigmoid(out_real).mean().item())
        ref["d_fake"].append(torch.sigmoid(out_fake).mean().item())
    with open(OUT + "reference.json", "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("wrote", OUT, ref["loss_d"], ref["loss_g"])


if __name__ == "__main__":
    main()
