"""PyTorch's own optimizer step times on the sizes and threads of bench_optim.

Prints one JSON document on stdout. Run with env OMP_WAIT_POLICY=PASSIVE (run.mjs does).
    /usr/bin/python3 bench/optim/torch_optim.py [--sizes 1048576,16777216] [--threads 1,2] [--quick]

Modes per optimizer: "forloop" (foreach=False, the CPU default in torch 1.13),
"foreach" (foreach=True) and "fused" (fused=True) where torch accepts it on CPU;
a mode torch refuses is reported with its error instead of a time.
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
except Exception as e:  # noqa: BLE001 - any import failure means "no torch here"
    print(json.dumps({"skipped": f"PyTorch is not importable by {sys.executable}: {e}"}))
    sys.exit(0)


def quantile(v, f):
    v = sorted(v)
    x = f * (len(v) - 1)
    i = int(x)
    r = x - i
    return v[i] * (1 - r) + v[i + 1] * r if i + 1 < len(v) else v[i]


def stats(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "p25": quantile(v, 0.25), "p75": quantile(v, 0.75)}


def make(name, params, mode):
    kw = {}
    if mode == "foreach":
        kw["foreach"] = True
    elif mode == "forloop":
        kw["foreach"] = False
    elif mode == "fused":
        kw["fused"] = True
    if name == "sgd-momentum":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, **kw)
    if name == "adam":
        return torch.optim.Adam(params, lr=1e-3, eps=1e-7, **kw)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=1e-3, eps=1e-7, weight_decay=0.01, **kw)
    raise ValueError(name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1048576,16777216")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    threads = [int(t) for t in a.threads.split(",")]
    out = {"torch": torch.__version__, "python": sys.version.split()[0], "results": []}
    torch.manual_seed(1)
    for n in sizes:
        reps = 21 if n >= 8 << 20 else 61
        if a.quick:
            reps = max(5, reps // 4)
        for t in threads:
            torch.set_num_threads(t)
            for name in ("sgd-momentum", "adam", "adamw"):
                for mode in ("forloop", "foreach", "fused"):
                    rec = {"optimizer": name, "n": n, "threads": t, "mode": mode}
                    p = torch.nn.Parameter(torch.empty(n).uniform_(-1, 1))
                    p.grad = torch.empty(n).uniform_(-0.01, 0.01)
                    try:
                        opt = make(name, [p], mode)
                        ms = []
                        with torch.no_grad():
                            for r in range(reps + 2):
                                t0 = time.perf_counter()
                                opt.step()
                                dt = (time.perf_counter() - t0) * 1e3
                                if r >= 2:
                                    ms.append(dt)
                        rec["ms"] = stats(ms)
                    except Exception as e:  # noqa: BLE001 - report what torch refused
                        rec["error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
                    out["results"].append(rec)
                    del p
                    print(json.dumps(rec), file=sys.stderr, flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
