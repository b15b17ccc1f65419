#!/usr/bin/python3
"""Compares `bloodcell features` with scikit-image and scipy on real images: the full-size PBC
samples (through our crop + resize, whose 28x28 output the CLI's gray image is taken from) and rows
of the BloodMNIST test split. Needs Debian's python3-skimage (scripts/install_deps.sh --fixtures).
Usage: scripts/check_features_skimage.py [path/to/bloodcell] [N_ROWS]"""
import json, os, subprocess, sys
import numpy as np, scipy.stats
from skimage.feature import graycomatrix, graycoprops

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
exe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "bloodcell")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
data_path = os.path.join(root, "..", "shared", "data", "bloodmnist.npz")
out = json.loads(subprocess.run([exe, "features", data_path, "--split", "test", "--limit", str(n), "--json",
                                 "--distances", "1,2"], check=True, capture_output=True, text=True).stdout)
names = out["names"]
imgs = np.load(data_path)["test_images"][:n].astype(np.float64)
angles = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
props = ["contrast", "dissimilarity", "homogeneity", "energy", "correlation", "ASM"]
worst = 0.0
for row, rgb in zip(out["rows"], imgs):
    gray = np.rint(0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).astype(np.uint8)
    g = gray.ravel().astype(np.float64)
    want = [g.mean(), g.std(), scipy.stats.skew(g), scipy.stats.kurtosis(g), g.min(), g.max(),
            *(np.histogram(g, bins=16, range=(0, 256))[0] / g.size)]
    P = graycomatrix(gray, distances=[1, 2], angles=angles, levels=256, symmetric=True, normed=True)
    per = [graycoprops(P, p) for p in props]
    for v in per:
        want += list(v.ravel())
    for v in per:
        want += list(v.mean(axis=1))
    got = np.array(row["features"])
    rel = np.abs(got - np.array(want)) / np.maximum(np.abs(want), 1e-3)
    worst = max(worst, rel.max())
print(f"{len(out['rows'])} test images x {len(names)} features: worst relative difference to scipy/scikit-image {worst:.3g}")
sys.exit(0 if worst < 1e-9 else 1)
