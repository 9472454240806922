"""PyTorch CPU on the `cnn` suite's network (bench/cnn/common.mjs: NET), built
from the same layer description as every other competitor and started from
the same weights (simdnn's channels-last layouts converted: conv kernels
[kh, kw, in, out] -> [out, in, kh, kw], the first dense layer's rows from
(h, w, c) to PyTorch's (c, h, w) flatten order).

    python3 bench/cnn/pytorch.py '<json params>'

params.mode: "train" (samples/s of the training loop a performance-aware user
writes: a permutation per epoch, rows gathered by index, F.cross_entropy on
the logits, zero_grad/backward/step), "infer" (batch-1 latency or batch-N
throughput of softmax(model(x)) under torch.inference_mode), or "export"
(torch.onnx.export of a model that takes [n, h, w, c] like simdnn and returns
softmax probabilities, to params.onnxFile). params.layout: "nchw" (PyTorch's
default) or "channels_last" (model and every batch in torch.channels_last).
Run with OMP_WAIT_POLICY=PASSIVE (the harness sets it).
"""
import json
import os
import re
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
    x = np.fromfile(os.path.join(data_dir, f"{part}-x.f32"), dtype="<f4", count=n * feats)
    y = np.fromfile(os.path.join(data_dir, f"{part}-y.u8"), dtype=np.uint8, count=n)
    return x, torch.from_numpy(y.astype(np.int64)), n


def to_nchw(x, n, input_shape):
    """[n, h, w, c] row-major floats -> an NCHW tensor (a copy)."""
    h, w, c = input_shape
    return torch.from_numpy(np.ascontiguousarray(x.reshape(n, h, w, c).transpose(0, 3, 1, 2)))


class Net(torch.nn.Module):
    """The layers of params.net; forward returns the logits (the softmax is fused into the loss)."""

    def __init__(self, net, init):
        super().__init__()
        mods = []
        h, w, c = net["inputShape"]
        shape = (h, w, c)
        o = 0

        def take(count):
            nonlocal o
            a = init[o : o + count]
            o += count
            return a

        for i, l in enumerate(net["layers"]):
            last = i == len(net["layers"]) - 1
            if l["type"] == "conv2d":
                k, f = l["kernelSize"], l["filters"]
                conv = torch.nn.Conv2d(shape[2], f, k)
                kern = take(k * k * shape[2] * f).reshape(k, k, shape[2], f)
                with torch.no_grad():
                    conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(kern.transpose(3, 2, 0, 1))))
                    conv.bias.copy_(torch.from_numpy(take(f).copy()))
                mods.append(conv)
                shape = (shape[0] - k + 1, shape[1] - k + 1, f)
            elif l["type"] == "maxPooling2d":
                s = l["poolSize"]
                mods.append(torch.nn.MaxPool2d(s))
                shape = (shape[0] // s, shape[1] // s, shape[2])
            elif l["type"] == "flatten":
                mods.append(torch.nn.Flatten())
                shape = ("flat", shape)
            elif l["type"] == "dense":
                if shape[0] == "flat":
                    hh, ww, cc = shape[1]
                    fan_in, perm = hh * ww * cc, (hh, ww, cc)
                else:
                    fan_in, perm = shape[0], None
                u = l["units"]
                lin = torch.nn.Linear(fan_in, u)
                kern = take(fan_in * u)
                if perm:  # rows in (h, w, c) order -> PyTorch's (c, h, w)
                    kern = kern.reshape(*perm, u).transpose(3, 2, 0, 1).reshape(u, fan_in)
                else:
                    kern = kern.reshape(fan_in, u).T
                with torch.no_grad():
                    lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(kern)))
                    lin.bias.copy_(torch.from_numpy(take(u).copy()))
                mods.append(lin)
                shape = (u,)
            elif l["type"] == "batchNormalization":
                # PyTorch's momentum is 1 - Keras's; γ 1, β 0, running statistics 0 and 1 as in Keras.
                bn = torch.nn.BatchNorm1d if shape[0] != "flat" and len(shape) == 1 else torch.nn.BatchNorm2d
                channels = shape[0] if len(shape) == 1 else shape[2]
                mods.append(bn(channels, eps=l["epsilon"], momentum=1 - l["momentum"]))
            elif l["type"] == "activation":
                pass  # its activation is appended below
            else:
                raise ValueError(f"unknown layer type {l['type']}")
            if l.get("activation") == "relu":
                mods.append(torch.nn.ReLU())
            elif l.get("activation") == "softmax" and not last:
                raise ValueError("softmax only on the last layer")
        if o != len(init):
            raise ValueError(f"{len(init)} initial weights, the layers take {o}")
        self.body = torch.nn.Sequential(*mods)

    def forward(self, x):
        return self.body(x)


class NhwcSoftmax(torch.nn.Module):
    """Takes [n, h, w, c] (simdnn's layout) and returns probabilities: the model onnxruntime runs."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x.permute(0, 3, 1, 2)), dim=1)


def status_mib(key):
    with open("/proc/self/status") as f:
        m = re.search(rf"^{key}:\s+(\d+)", f.read(), re.M)
    return int(m.group(1)) / 1024 if m else None


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return status_mib("VmRSS")
    except OSError:
        return None


def make(p, init, channels_last):
    model = Net(p["net"], init)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model


def train_epochs(model, opt, x, y, batch, epochs, gen, channels_last):
    n = x.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for s in range(0, n, batch):
            idx = perm[s : s + batch]
            xb = x[idx]
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            loss = F.cross_entropy(model(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()


def predict(model, x, channels_last, chunk=500):
    outs = []
    with torch.inference_mode():
        for s in range(0, x.shape[0], chunk):
            xb = x[s : s + chunk]
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            outs.append(torch.softmax(model(xb), dim=1))
    return torch.cat(outs)


def run_train(p, init, channels_last):
    shape = p["net"]["inputShape"]
    xs, y, n = load_part(p["dataDir"], "train", p.get("trainLimit"))
    x = to_nchw(xs, n, shape)
    batch = p["batchSize"]
    gen = torch.Generator().manual_seed(p.get("run", 0) + 1)
    # Memory: from here (data loaded, in tensors) to the end of training, warm-up included.
    rss_at_start = reset_peak_rss()
    warm = p.get("warmupBatches", 0) * batch
    if warm > 0:
        m = make(p, init, channels_last)
        train_epochs(m, torch.optim.Adam(m.parameters(), lr=p["lr"]), x[:warm], y[:warm], batch, 1, gen, channels_last)
        del m
    times, peaks = [], []
    for _ in range(p.get("repeats") or 1):
        model = make(p, init, channels_last)
        opt = torch.optim.Adam(model.parameters(), lr=p["lr"])
        t0 = time.perf_counter()
        train_epochs(model, opt, x, y, batch, p["epochs"], gen, channels_last)
        times.append(time.perf_counter() - t0)
        peaks.append(status_mib("VmHWM"))
    seconds = statistics.median(times)
    accuracy, test_samples = None, 0
    if p.get("measureAccuracy"):
        txs, ty, tn = load_part(p["dataDir"], "test", p.get("testLimit"))
        # Inference mode, as simdnn's evaluate: batch normalization uses its running statistics.
        model.eval()
        probs = predict(model, to_nchw(txs, tn, shape), channels_last)
        accuracy = (probs.argmax(1) == ty).double().mean().item()
        test_samples = tn
    return {
        "samplesPerSec": n * p["epochs"] / seconds,
        "samples": n * p["epochs"],
        "seconds": seconds,
        "repeatSeconds": times,
        "epochs": p["epochs"],
        "trainSamples": n,
        "accuracy": accuracy,
        "testSamples": test_samples,
        "peakRssMiB": max(peaks) if None not in peaks else None,
        "rssAtStartMiB": rss_at_start,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }


def run_infer(p, init, channels_last):
    shape = p["net"]["inputShape"]
    b = p["batch"]
    xs, _, n = load_part(p["dataDir"], "test", b)
    x = to_nchw(xs, n, shape)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    model = make(p, init, channels_last).eval()

    def call():
        return torch.softmax(model(x), dim=1)

    with torch.inference_mode():
        first = call()[0].tolist()
        for _ in range(p["warmupCalls"]):
            call()
        deadline = time.perf_counter() + p["maxSeconds"]
        if b == 1:
            times = []
            for _ in range(p["calls"]):
                t0 = time.perf_counter()
                call()
                times.append((time.perf_counter() - t0) * 1e6)
                if time.perf_counter() > deadline:
                    break
            times.sort()
            q = lambda f: times[min(len(times) - 1, int(f * len(times)))]
            res = {"latencyUs": q(0.5), "p10Us": q(0.1), "p90Us": q(0.9), "calls": len(times)}
        else:
            done = 0
            t0 = time.perf_counter()
            while done < p["calls"]:
                call()
                done += 1
                if time.perf_counter() > deadline:
                    break
            seconds = time.perf_counter() - t0
            res = {"samplesPerSec": done * b / seconds, "usPerCall": seconds / done * 1e6, "calls": done}
    return {**res, "firstOutput": first, "threads": torch.get_num_threads(), "torch": torch.__version__}


def run_export(p, init):
    model = NhwcSoftmax(Net(p["net"], init)).eval()
    h, w, c = p["net"]["inputShape"]
    torch.onnx.export(
        model,
        torch.zeros(1, h, w, c),
        p["onnxFile"],
        input_names=["input"],
        output_names=["probabilities"],
        dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=13,
    )
    return {"onnxFile": p["onnxFile"], "torch": torch.__version__}


def main():
    p = json.loads(sys.argv[1])
    threads = p.get("threads", 1)
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(p.get("run", 0) + 1)
    init = np.fromfile(p["initFile"], dtype="<f4")
    channels_last = p.get("layout") == "channels_last"
    if p["mode"] == "train":
        result = run_train(p, init, channels_last)
    elif p["mode"] == "infer":
        result = run_infer(p, init, channels_last)
    elif p["mode"] == "export":
        result = run_export(p, init)
    else:
        raise ValueError(f"unknown mode {p['mode']}")
    result["layout"] = "channels_last" if channels_last else "nchw"
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
