#!/usr/bin/python3
"""PyTorch peer benchmark (Debian's python3-torch, CPU): the FCNN and reference CNN of DESIGN.md,
batch 64, Adam 1e-3; training images/s, inference images/s at batch 256, single-image latency, peak
RSS. Prints one JSON object. Usage: bench/peers/torch_bench.py [--threads N] [--seconds S]"""
import argparse, json, resource, time
import torch
import torch.nn as nn

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--seconds", type=float, default=5)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

def fcnn():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 500), nn.ReLU(), nn.Linear(500, 8))

def cnn():
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 8))

def loop(seconds, min_iters, fn):
    n, t0 = 0, time.perf_counter()
    while n < min_iters or time.perf_counter() - t0 < seconds:
        fn(); n += 1
    return n, time.perf_counter() - t0

results = []
for name, make, shape in [("fcnn", fcnn, (784,)), ("cnn", cnn, (3, 28, 28))]:
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    x, y = torch.rand(64, *shape), torch.arange(64) % 8
    def step():
        opt.zero_grad(); lossf(model(x), y).backward(); opt.step()
    step()
    n, t = loop(args.seconds, 2, step)
    out = {"model": name, "train_img_s": 64 * n / t}
    model.eval()
    with torch.no_grad():
        xb, x1 = torch.rand(256, *shape), torch.rand(1, *shape)
        model(xb)
        n, t = loop(args.seconds / 2, 2, lambda: model(xb))
        out["infer_img_s"] = 256 * n / t
        n, t = loop(args.seconds / 4, 20, lambda: model(x1))
        out["latency_ms"] = 1000 * t / n
    results.append(out)
print(json.dumps({"peer": "pytorch", "version": torch.__version__, "threads": args.threads,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "results": results}))
