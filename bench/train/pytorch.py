"""PyTorch CPU: the training loop a performance-aware user writes (tensors
gathered by index each batch, no DataLoader), logits + F.cross_entropy (the
fused log-softmax form of softmax cross-entropy), same data files and initial
weights as every other competitor. Timed around the epochs only.

    python3 bench/train/pytorch.py '<json params>'   (see bench/train/common.mjs)

Run with OMP_WAIT_POLICY=PASSIVE (the harness sets it) so idle OpenMP threads
do not spin on a shared 2-core machine.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

RESULT_PREFIX = "@@bench-result "


def load_part(data_dir, part, limit):
    with open(os.path.join(data_dir, "meta.json")) as f:
        meta = json.load(f)
    n = meta["parts"][part]
    if limit:
        n = min(n, limit)
    feats = meta["features"]
    x = np.fromfile(os.path.join(data_dir, f"{part}-x.f32"), dtype="<f4", count=n * feats).reshape(n, feats)
    y = np.fromfile(os.path.join(data_dir, f"{part}-y.u8"), dtype=np.uint8, count=n)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64)), meta


def make_model(sizes, init, batch_norm=False):
    layers = []
    for l in range(1, len(sizes)):
        layers.append(torch.nn.Linear(sizes[l - 1], sizes[l]))
        if l < len(sizes) - 1:
            if batch_norm:
                # Keras's momentum 0.99 and epsilon 1e-3: PyTorch's momentum is 1 - Keras's.
                layers.append(torch.nn.BatchNorm1d(sizes[l], eps=1e-3, momentum=0.01))
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    o = 0
    with torch.no_grad():
        for lin in linears:
            fan_in, fan_out = lin.in_features, lin.out_features
            w = init[o : o + fan_in * fan_out].reshape(fan_in, fan_out)  # simdnn layout [in, out]
            o += fan_in * fan_out
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            lin.bias.copy_(torch.from_numpy(init[o : o + fan_out]))
            o += fan_out
    return model


def make_optimizer(p, model):
    if p["optimizer"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=p["lr"])
    return torch.optim.SGD(model.parameters(), lr=p["lr"])


def train_epochs(model, opt, x, y, batch, epochs, gen):
    n = x.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for s in range(0, n, batch):
            idx = perm[s : s + batch]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()


def main():
    p = json.loads(sys.argv[1])
    torch.set_num_threads(p["threads"])
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(p.get("run", 0) + 1)
    x, y, meta = load_part(p["dataDir"], "train", p.get("trainLimit"))
    init = np.fromfile(p["initFile"], dtype="<f4")
    sizes = p["sizes"]
    batch = p["batchSize"]
    gen = torch.Generator().manual_seed(p.get("run", 0) + 1)

    warm = p.get("warmupBatches", 0) * batch
    if warm > 0:
        m = make_model(sizes, init, p.get("batchNorm", False))
        train_epochs(m, make_optimizer(p, m), x[:warm], y[:warm], batch, 1, gen)

    # p["repeats"] fresh models trained and timed one after the other; the median counts.
    times = []
    for _ in range(p.get("repeats") or 1):
        model = make_model(sizes, init, p.get("batchNorm", False))
        opt = make_optimizer(p, model)
        t0 = time.perf_counter()
        train_epochs(model, opt, x, y, batch, p["epochs"], gen)
        times.append(time.perf_counter() - t0)
    seconds = statistics.median(times)

    accuracy = None
    test_samples = 0
    if p.get("measureAccuracy"):
        tx, ty, _ = load_part(p["dataDir"], "test", p.get("testLimit"))
        model.eval()  # batch normalization with its running statistics
        with torch.no_grad():
            accuracy = (model(tx).argmax(1) == ty).double().mean().item()
        test_samples = len(ty)
    n = x.shape[0]
    result = {
        "samplesPerSec": n * p["epochs"] / seconds,
        "samples": n * p["epochs"],
        "seconds": seconds,
        "repeatSeconds": times,
        "epochs": p["epochs"],
        "trainSamples": n,
        "accuracy": accuracy,
        "testSamples": test_samples,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
