"""PyTorch (float64) forward and gradients of the cases test/reference-conv.test.ts writes.

Data stays channels last ([n, h, w, c], [n, steps, c]) between operations and is permuted to
channels first around each torch call. TensorFlow's 'same' padding is applied with an explicit F.pad
(PyTorch's padding='same' puts the odd cell on the other side for even kernels).

Usage: conv_reference.py SPEC.json  ->  prints {"results": [...]} as JSON.
"""
import json
import math
import sys

import torch
import torch.nn.functional as F


def tf_padding(size, k, s, d, padding):
    """(before, after) padding of one axis under TensorFlow's rule."""
    span = (k - 1) * d + 1
    if padding == 'valid':
        return 0, 0
    out = -(-size // s)
    total = max((out - 1) * s + span - size, 0)
    return total // 2, total - total // 2


def t(values, shape):
    return torch.tensor(values, dtype=torch.float64).reshape(shape)


def conv(x, kernel, bias, spec, one_d):
    """x channels last; kernel [kh, kw, in, f] (or [k, in, f])."""
    if one_d:
        xc = x.permute(0, 2, 1)
        (pl, pr) = tf_padding(x.shape[1], spec['kernelSize'][0], spec['strides'][0], spec['dilation'][0], spec['padding'])
        xc = F.pad(xc, (pl, pr))
        w = kernel.permute(2, 1, 0)
        y = F.conv1d(xc, w, bias, stride=spec['strides'][0], dilation=spec['dilation'][0])
        return y.permute(0, 2, 1)
    xc = x.permute(0, 3, 1, 2)
    (pt, pb) = tf_padding(x.shape[1], spec['kernelSize'][0], spec['strides'][0], spec['dilation'][0], spec['padding'])
    (pl, pr) = tf_padding(x.shape[2], spec['kernelSize'][1], spec['strides'][1], spec['dilation'][1], spec['padding'])
    xc = F.pad(xc, (pl, pr, pt, pb))
    w = kernel.permute(3, 2, 0, 1)
    y = F.conv2d(xc, w, bias, stride=tuple(spec['strides']), dilation=tuple(spec['dilation']))
    return y.permute(0, 2, 3, 1)


def pool(x, spec, kind, one_d):
    if one_d:
        x = x.unsqueeze(1)
        size, strides = [1] + spec['poolSize'], [1] + spec['strides']
    else:
        size, strides = spec['poolSize'], spec['strides']
    xc = x.permute(0, 3, 1, 2)
    (pt, pb) = tf_padding(x.shape[1], size[0], strides[0], 1, spec['padding'])
    (pl, pr) = tf_padding(x.shape[2], size[1], strides[1], 1, spec['padding'])
    if kind == 'max':
        y = F.max_pool2d(F.pad(xc, (pl, pr, pt, pb), value=-math.inf), size, strides)
    else:
        # Sums over the window divided by the number of real cells under it.
        sums = F.avg_pool2d(F.pad(xc, (pl, pr, pt, pb)), size, strides) * (size[0] * size[1])
        ones = torch.ones_like(xc[:1, :1])
        counts = F.avg_pool2d(F.pad(ones, (pl, pr, pt, pb)), size, strides) * (size[0] * size[1])
        y = sums / counts
    y = y.permute(0, 2, 3, 1)
    return y.squeeze(1) if one_d else y


def activation(z, act, channel_axis=-1):
    if act == 'linear':
        return z
    if act == 'relu':
        return F.relu(z)
    if act == 'leakyRelu':
        return F.leaky_relu(z, 0.01)
    if act == 'elu':
        return F.elu(z)
    if act == 'gelu':
        return F.gelu(z)
    if act == 'sigmoid':
        return torch.sigmoid(z)
    if act == 'tanh':
        return torch.tanh(z)
    if act == 'softplus':
        return F.softplus(z)
    if act == 'softmax':
        return torch.softmax(z, dim=channel_axis)
    raise ValueError(act)


def run_layer(x, layer, params):
    ty = layer['type']
    if ty in ('conv2d', 'conv1d'):
        k = params.pop(0)
        b = params.pop(0) if layer['useBias'] else None
        return activation(conv(x, k, b, layer, ty == 'conv1d'), layer['act'])
    if ty in ('maxPooling2d', 'averagePooling2d', 'maxPooling1d', 'averagePooling1d'):
        return pool(x, layer, 'max' if ty.startswith('max') else 'average', ty.endswith('1d'))
    if ty in ('globalAveragePooling2d', 'globalAveragePooling1d'):
        return x.mean(dim=tuple(range(1, x.dim() - 1)))
    if ty in ('globalMaxPooling2d', 'globalMaxPooling1d'):
        return x.amax(dim=tuple(range(1, x.dim() - 1)))
    if ty == 'flatten':
        return x.reshape(x.shape[0], -1)
    if ty == 'reshape':
        return x.reshape([x.shape[0]] + layer['targetShape'])
    if ty == 'dense':
        k = params.pop(0)
        b = params.pop(0) if layer['useBias'] else None
        z = x @ k
        if b is not None:
            z = z + b
        return activation(z, layer['act'])
    if ty == 'activation':
        return activation(x, layer['act'])
    raise ValueError(ty)


def run_case(case):
    x = t(case['x'], case['xShape']).requires_grad_(True)
    params = [t(w, s).requires_grad_(True) for w, s in zip(case['weights'], case['weightShapes'])]
    y = x
    remaining = list(params)
    for layer in case['layers']:
        y = run_layer(y, layer, remaining)
    if 'dy' in case:
        # One layer (or a stack) with an upstream gradient: the gradients of sum(y * dy).
        objective = (y * t(case['dy'], list(y.shape))).sum()
    else:
        loss = case['loss']
        n = y.shape[0]
        if loss == 'meanSquaredError':
            objective = ((y - t(case['targets'], list(y.shape))) ** 2).mean()
        elif loss == 'sparseCategoricalCrossentropy':
            # The last layer is a softmax: cross-entropy from its probabilities.
            labels = torch.tensor([row[0] for row in case['targets']], dtype=torch.long)
            objective = F.nll_loss(torch.log(y.reshape(n, -1)), labels)
        else:
            raise ValueError(loss)
    objective.backward()
    return {
        'y': y.detach().reshape(-1).tolist(),
        'yShape': list(y.shape),
        'objective': objective.item(),
        'dx': x.grad.reshape(-1).tolist(),
        'grads': [p.grad.reshape(-1).tolist() for p in params],
    }


def main():
    torch.set_num_threads(1)
    spec = json.load(open(sys.argv[1]))
    print(json.dumps({'torch': torch.__version__, 'results': [run_case(c) for c in spec['cases']]}))


if __name__ == '__main__':
    main()
