"""The 384-image BloodMNIST sample the fixture and corpus scripts were first made from
(assets/sample.npz until 2026-11-28: 32 images per class from train, 8 from val and test, seed 0),
remade byte for byte from the full file by the CLI. Used by tests/fixtures/make_features_fixture.py
and tests/fuzz/make_corpus.py (dev scripts, not run by the tests)."""
import os
import subprocess
import tempfile


def old_sample(root):
    """Path of a fresh copy of the sample (BLOODCELL: the CLI, default build/bloodcell; BLOODMNIST:
    the full file, default ../shared/data/bloodmnist.npz)."""
    cli = os.environ.get("BLOODCELL", os.path.join(root, "build", "bloodcell"))
    full = os.environ.get("BLOODMNIST", os.path.join(root, "..", "shared", "data", "bloodmnist.npz"))
    out = os.path.join(tempfile.mkdtemp(), "sample.npz")
    subprocess.run([cli, "make-sample", full, "--out", out, "--per-class", "32,8,8", "--seed", "0"], check=True,
                   stdout=subprocess.DEVNULL)
    return out
