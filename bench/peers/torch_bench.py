#!/usr/bin/python3
"""PyTorch peer benchmark (Debian's python3-torch, CPU): the FCNN and reference CNN of DESIGN.md,
batch 64, Adam 1e-3; training images/s, inference images/s at batch 256, single-image latency, peak
RSS. Prints one JSON object with the BLAS it ran on: torch.__config__'s build setting (Debian's build
says BLAS_INFO=generic: it calls whatever libblas.so.3 the loader finds) and the library the process
actually loaded (from /proc/self/maps; bench/run_all.mjs points LD_LIBRARY_PATH at OpenBLAS's).
  bench/peers/torch_bench.py [--threads N] [--seconds S]
  bench/peers/torch_bench.py --export-onnx DIR   writes DIR/fcnn.onnx and DIR/cnn.onnx (torch.onnx,
      opset 13, batch dimension dynamic, weights of torch.manual_seed(0)) for ONNX Runtime Web"""
import argparse, json, os, re, resource, time
import torch
import torch.nn as nn

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--seconds", type=float, default=5)
ap.add_argument("--export-onnx", metavar="DIR")
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

def blas_info():
    """What torch.__config__ says about BLAS, and the BLAS/LAPACK libraries this process mapped."""
    m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    loaded = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if re.search(r"/lib(open)?blas[^/]*\.so", p):
                loaded.add(os.path.realpath(p))
    names = sorted(os.path.basename(p) for p in loaded)
    kind = "OpenBLAS" if any("openblas" in n for n in names) else "reference BLAS" if any(n.startswith("libblas") for n in names) else "unknown"
    ob = re.search(r"openblas[a-z]*-r(\d+(?:\.\d+)*)", " ".join(names))
    return {"config": "BLAS_INFO=" + (m.group(1) if m else "?"), "loaded": sorted(loaded),
            "name": kind + (" " + ob.group(1) if ob else ""),
            "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"), "omp_num_threads": os.environ.get("OMP_NUM_THREADS")}

if args.export_onnx:
    os.makedirs(args.export_onnx, exist_ok=True)
    for name, make, shape in [("fcnn", fcnn, (784,)), ("cnn", cnn, (3, 28, 28))]:
        torch.manual_seed(0)
        model = make().eval()
        path = os.path.join(args.export_onnx, name + ".onnx")
        torch.onnx.export(model, torch.rand(1, *shape), path, input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
        print(json.dumps({"exported": path, "bytes": os.path.getsize(path), "input": [None, *shape]}))
    raise SystemExit(0)

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
print(json.dumps({"peer": "pytorch", "version": torch.__version__, "threads": args.threads, "blas": blas_info(),
                  "mkldnn": torch.backends.mkldnn.is_available(), "batch_train": 64, "batch_infer": 256,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "results": results}))
