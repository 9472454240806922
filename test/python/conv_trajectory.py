"""Trains small CNNs with torch.optim step by step and prints each step's loss and the final weights.

The models are PyTorch's usual channels-first modules (nn.Conv2d, nn.MaxPool2d, nn.Flatten, nn.Linear, ...)
fed with the channels-last data of the spec transposed to NCHW; the weights are converted from simdnn's
layouts and back:
- conv2d kernel [kh, kw, in, f]  <->  Conv2d.weight [f, in, kh, kw]; conv1d [k, in, f] <-> Conv1d.weight [f, in, k];
- dense kernel [inputs, units]   <->  Linear.weight [units, inputs] transposed; after a flatten of an image or a
  sequence, simdnn's rows are in (h, w, c) order and torch's in (c, h, w) order, so the rows are permuted.
TensorFlow's 'same' padding is an explicit ZeroPad (or -inf pad before max pooling); average pooling with 'same'
padding divides by the number of real cells under the window.

Usage: conv_trajectory.py SPEC.json  ->  prints {"runs": [{"losses": [...], "weights": [[...], ...]}, ...]}.
"""
import json
import math
import sys

import torch
import torch.nn as tnn
import torch.nn.functional as F


def tf_padding(size, k, s, d, padding):
    """(before, after) padding of one axis under TensorFlow's rule."""
    if padding == 'valid':
        return 0, 0
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def out_size(size, k, s, d, padding):
    if padding == 'same':
        return -(-size // s)
    return (size - (k - 1) * d - 1) // s + 1


def torch_pad(spatial, pads):
    """F.pad's tuple (last axis first) from per-axis (before, after) pairs in axis order."""
    flat = []
    for before, after in reversed(pads):
        flat += [before, after]
    return tuple(flat)


class Pad(tnn.Module):
    def __init__(self, pads, value):
        super().__init__()
        self.pads, self.value = pads, value

    def forward(self, x):
        return F.pad(x, self.pads, value=self.value)


class AveragePoolRealCells(tnn.Module):
    """Average pooling over the real cells of a zero-padded window (channels first, 1 or 2 spatial axes)."""

    def __init__(self, size, strides, pads):
        super().__init__()
        self.size, self.strides, self.pads = size, strides, pads

    def forward(self, x):
        pool = F.avg_pool1d if len(self.size) == 1 else F.avg_pool2d
        cells = math.prod(self.size)
        sums = pool(F.pad(x, self.pads), self.size, self.strides) * cells
        ones = torch.ones_like(x[:1, :1])
        counts = pool(F.pad(ones, self.pads), self.size, self.strides) * cells
        return sums / counts


class GlobalPool(tnn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def forward(self, x):
        dims = tuple(range(2, x.dim()))
        return x.mean(dim=dims) if self.kind == 'average' else x.amax(dim=dims)


class Reshape(tnn.Module):
    """simdnn's reshape acts on channels-last data: permute to channels last, reshape, permute back."""

    def __init__(self, target):
        super().__init__()
        self.target = target

    def forward(self, x):
        if x.dim() > 2:
            x = x.permute(0, *range(2, x.dim()), 1)
        x = x.reshape([x.shape[0]] + self.target)
        if x.dim() > 2:
            x = x.permute(0, x.dim() - 1, *range(1, x.dim() - 1))
        return x.contiguous()


ACTIVATIONS = {'relu': tnn.ReLU, 'tanh': tnn.Tanh, 'sigmoid': tnn.Sigmoid, 'elu': tnn.ELU}


def flatten_permutation(shape):
    """For a channels-last sample shape, torch_index[ours] after flattening the channels-first tensor."""
    spatial, c = shape[:-1], shape[-1]
    cells = math.prod(spatial)
    perm = []
    for p in range(cells):
        for ch in range(c):
            perm.append(ch * cells + p)
    return perm


def build(spec, dtype):
    """The torch model, and how to read its weights back in simdnn's order and layouts."""
    modules, readers = [], []
    weights = [torch.tensor(w, dtype=dtype).reshape(s) for w, s in zip(spec['weights'], spec['weightShapes'])]
    shape = list(spec['inputShape'])  # channels last, as simdnn sees it
    flat_from = None  # the channels-last shape a flatten came from, for the dense layer after it
    layers = spec['layers']
    for i, layer in enumerate(layers):
        ty = layer['type']
        last = i == len(layers) - 1
        if ty in ('conv2d', 'conv1d'):
            axes = 2 if ty == 'conv2d' else 1
            k, s, d = layer['kernelSize'], layer['strides'], layer['dilation']
            pads = [tf_padding(shape[a], k[a], s[a], d[a], layer['padding']) for a in range(axes)]
            if any(p != (0, 0) for p in pads):
                modules.append(Pad(torch_pad(axes, pads), 0.0))
            cls = tnn.Conv2d if axes == 2 else tnn.Conv1d
            conv = cls(shape[-1], layer['filters'], tuple(k), stride=tuple(s), dilation=tuple(d), bias=layer['useBias'])
            kernel = weights.pop(0)
            perm = (3, 2, 0, 1) if axes == 2 else (2, 1, 0)
            back = (2, 3, 1, 0) if axes == 2 else (2, 1, 0)
            with torch.no_grad():
                conv.weight = tnn.Parameter(kernel.permute(*perm).contiguous())
                if layer['useBias']:
                    conv.bias = tnn.Parameter(weights.pop(0))
            modules.append(conv)
            readers.append(lambda m=conv, back=back: m.weight.detach().permute(*back).reshape(-1).tolist())
            if layer['useBias']:
                readers.append(lambda m=conv: m.bias.detach().reshape(-1).tolist())
            if layer['act'] != 'linear':
                modules.append(ACTIVATIONS[layer['act']]())
            shape = [out_size(shape[a], k[a], s[a], d[a], layer['padding']) for a in range(axes)] + [layer['filters']]
        elif ty in ('maxPooling2d', 'averagePooling2d', 'maxPooling1d', 'averagePooling1d'):
            axes = 2 if ty.endswith('2d') else 1
            k, s = layer['poolSize'], layer['strides']
            pads = [tf_padding(shape[a], k[a], s[a], 1, layer['padding']) for a in range(axes)]
            padded = any(p != (0, 0) for p in pads)
            if ty.startswith('max'):
                if padded:
                    modules.append(Pad(torch_pad(axes, pads), -math.inf))
                modules.append((tnn.MaxPool2d if axes == 2 else tnn.MaxPool1d)(tuple(k), tuple(s)))
            elif padded:
                modules.append(AveragePoolRealCells(tuple(k), tuple(s), torch_pad(axes, pads)))
            else:
                modules.append((tnn.AvgPool2d if axes == 2 else tnn.AvgPool1d)(tuple(k), tuple(s)))
            shape = [out_size(shape[a], k[a], s[a], 1, layer['padding']) for a in range(axes)] + [shape[-1]]
        elif ty.startswith('global'):
            modules.append(GlobalPool('max' if ty.startswith('globalMax') else 'average'))
            shape = [shape[-1]]
        elif ty == 'flatten':
            if not last and layers[i + 1]['type'] == 'dense':
                # torch's flatten of channels-first data: the dense kernel's rows are permuted instead.
                modules.append(tnn.Flatten())
                flat_from = shape if len(shape) > 1 else None
            else:
                modules.append(Reshape([math.prod(shape)]))
            shape = [math.prod(shape)]
        elif ty == 'reshape':
            modules.append(Reshape(layer['targetShape']))
            shape = list(layer['targetShape'])
        elif ty == 'dense':
            lin = tnn.Linear(shape[0], layer['units'], bias=layer['useBias'])
            kernel = weights.pop(0).reshape(shape[0], layer['units'])
            perm = torch.arange(shape[0])
            if flat_from is not None:
                # Row r of our kernel multiplies feature r in (h, w, c) order; torch's feature perm[r].
                perm = torch.tensor(flatten_permutation(flat_from))
            inverse = torch.empty_like(perm)
            inverse[perm] = torch.arange(len(perm))
            with torch.no_grad():
                lin.weight = tnn.Parameter(kernel[inverse].t().contiguous())
                if layer['useBias']:
                    lin.bias = tnn.Parameter(weights.pop(0))
            modules.append(lin)
            readers.append(lambda m=lin, perm=perm: m.weight.detach().t()[perm].reshape(-1).tolist())
            if layer['useBias']:
                readers.append(lambda m=lin: m.bias.detach().reshape(-1).tolist())
            act = layer['act']
            if act == 'softmax' and last:
                pass  # CrossEntropyLoss takes the logits
            elif act != 'linear':
                modules.append(ACTIVATIONS[act]())
            flat_from = None
            shape = [layer['units']]
        else:
            raise ValueError(ty)
    assert not weights, 'unused weights'
    return tnn.Sequential(*modules).to(dtype), readers


def optimizer(params, o):
    kind = o['kind']
    if kind == 'adam':
        return torch.optim.Adam(params, lr=o['learningRate'], betas=(0.9, 0.999), eps=1e-7, amsgrad=o.get('amsgrad', False))
    if kind == 'adamw':
        return torch.optim.AdamW(params, lr=o['learningRate'], eps=1e-7, weight_decay=o['weightDecay'])
    if kind == 'rmsprop':
        return torch.optim.RMSprop(params, lr=o['learningRate'], alpha=0.9, eps=1e-7)
    if kind == 'sgd':
        return torch.optim.SGD(params, lr=o['learningRate'], momentum=o.get('momentum', 0), nesterov=o.get('nesterov', False))
    raise ValueError(kind)


def run(spec):
    dtype = torch.float64 if spec.get('float64', True) else torch.float32
    model, readers = build(spec, dtype)
    n = spec['n']
    x = torch.tensor(spec['x'], dtype=dtype).reshape([n] + spec['inputShape'])
    if x.dim() > 2:
        x = x.permute(0, x.dim() - 1, *range(1, x.dim() - 1)).contiguous()  # NHWC -> NCHW, NWC -> NCW
    if spec['loss'] == 'sparseCategoricalCrossentropy':
        y = torch.tensor(spec['y'], dtype=torch.long)
        loss_fn = tnn.CrossEntropyLoss()
    else:
        y = torch.tensor(spec['y'], dtype=dtype).reshape(n, -1)
        loss_fn = tnn.MSELoss()
    opt = optimizer(model.parameters(), spec['optimizer'])
    losses = []
    b = spec['batch']
    for _ in range(spec['epochs']):
        for s in range(0, n, b):
            opt.zero_grad()
            loss = loss_fn(model(x[s:s + b]), y[s:s + b])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return {'losses': losses, 'weights': [read() for read in readers]}


def main():
    torch.set_num_threads(1)
    spec = json.load(open(sys.argv[1]))
    print(json.dumps({'torch': torch.__version__, 'runs': [run(r) for r in spec['runs']]}))


if __name__ == '__main__':
    main()
