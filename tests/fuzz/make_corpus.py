#!/usr/bin/python3
"""Writes the small seed corpora of the fuzz targets from real files (the old 384-image sample, see old_sample, and
../shared/data/pbc_samples). Run with Debian's python3 (numpy, PIL): tests/fuzz/make_corpus.py"""
import io, os, sys
import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
c = lambda *p: os.path.join(here, "corpus", *p)
sys.path.insert(0, os.path.join(root, "tests"))
from old_sample import old_sample  # noqa: E402

d = np.load(old_sample(root))
small = {k: d[k][:2] for k in d.files}
np.savez(c("npz", "stored.npz"), **small)
np.savez_compressed(c("npz", "deflated.npz"), **small)
wide = dict(small); wide["train_labels"] = small["train_labels"].astype(np.int64).ravel()
np.savez_compressed(c("npz", "int64_labels.npz"), **wide)

src = Image.open(os.path.join(root, "..", "shared", "data", "pbc_samples", "NEU_11600.jpg" if os.path.exists(
    os.path.join(root, "..", "shared", "data", "pbc_samples", "NEU_11600.jpg")) else sorted(
    f for f in os.listdir(os.path.join(root, "..", "shared", "data", "pbc_samples")) if f.endswith(".jpg"))[0])).convert("RGB")
tile = src.resize((36, 36), Image.BOX)
def save(img, name, **kw):
    img.save(c("image", name), **kw)
save(tile, "rgb.jpg", quality=75)
save(tile.convert("L"), "gray.jpg", quality=75)
save(tile, "rgb.png")
save(tile.convert("L"), "gray.png")
save(tile.convert("LA"), "gray_alpha.png")
save(tile.convert("RGBA"), "rgba.png")
save(tile.convert("P"), "palette.png")
save(Image.fromarray((np.asarray(tile.convert("L")).astype(np.uint16) * 257)), "gray16.png")
save(tile, "rgb.bmp")

for name, text in {"subset": "per-class=50,fraction=0.5,seed=3,split=val", "ints": "1,2,3",
                   "split": "test", "grid": "lr=1e-3,3e-4;batch=32,64;hidden=250,500"}.items():
    open(c("specs", name + ".txt"), "w").write(text)
print("corpus written")
