"""The max78sim Python module against the max78sim command (issue 16).

Run with Debian's python3 -m pytest; the CTest python/pytest sets
PYTHONPATH to the build tree's python/ folder, MAX78SIM_CLI to the
max78sim command and MAX78SIM_CORPUS to the corpus.
"""
import json
import os
import resource
import subprocess
import tempfile

import numpy as np
import pytest

import max78sim

CLI = os.environ.get("MAX78SIM_CLI", "max78sim")
CORPUS = os.environ.get("MAX78SIM_CORPUS", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                                                        "corpus"))
pytestmark = pytest.mark.skipif(not os.path.isdir(os.path.join(CORPUS, "mnist")), reason="no corpus")


def fw(case):
    return os.path.join(CORPUS, case, "firmware")


def cli_dumps(case, extra=()):
    """Runs the command line with --dump-layers; returns {index: array} and the report."""
    d = tempfile.mkdtemp(prefix="m78-pytest-")
    subprocess.run([CLI, "run", fw(case), "-q", "--no-table", "--dump-layers", d, "--json", f"{d}/r.json",
                    *extra], check=True, capture_output=True)
    layers = json.load(open(f"{d}/layers.json"))["layers"]
    out = {}
    for l in layers:
        dt = np.int32 if l["dtype"].startswith("int32") else np.int8
        out[l["index"]] = np.fromfile(os.path.join(d, l["file"]), dtype=dt).reshape(l["shape_chw"])
    return out, json.load(open(f"{d}/r.json"))


@pytest.fixture(scope="module")
def mnist():
    net = max78sim.load(fw("mnist"))
    yield net
    net.close()


@pytest.mark.parametrize("case", ["mnist", "cifar-10", "kws20_v3", "animal-yolo-pico"])
def test_layers_equal_cli(case):
    """Every layer's output of the baked sample equals run --dump-layers byte for byte."""
    with max78sim.load(fw(case)) as net:
        r = net.run(net.sample)
    dumps, rep = cli_dumps(case)
    assert len(r.layers) == len(rep["layers"])
    for l in r.layers:
        assert l.output is not None
        assert l.output.dtype == dumps[l.index].dtype
        assert l.output.tobytes() == dumps[l.index].tobytes(), f"layer {l.index}"
        assert l.cycles == rep["layers"][l.index]["cycles"]
    assert r.cycles == rep["inference"]["cycles"]
    assert r.energy_uj == pytest.approx(rep["inference"]["energy_uj"], abs=1e-4)


def test_mnist_cycles(mnist):
    r = mnist.run(mnist.sample)
    assert r.cycles == 70157
    assert r.prediction == int(np.argmax(r.scores))
    assert r.output.shape == (10, 1, 1) and r.output.dtype == np.int32


def test_random_input_equals_cli(mnist, tmp_path):
    x = np.random.default_rng(16).integers(-128, 128, (1, 28, 28), dtype=np.int8)
    np.save(tmp_path / "x.npy", x)
    r = mnist.run(x)
    dumps, rep = cli_dumps("mnist", ["--input", str(tmp_path / "x.npy")])
    for l in r.layers:
        assert l.output.tobytes() == dumps[l.index].tobytes(), f"layer {l.index}"
    assert r.cycles == rep["inference"]["cycles"]
    assert [o["value"] for o in rep["prediction"]["outputs"]] == list(r.scores)


def test_uint8_and_float_conversions(mnist):
    p = np.arange(784, dtype=np.int64).reshape(1, 28, 28) % 256
    u = mnist.run(p.astype(np.uint8))
    ref = np.clip(np.rint((p / 255.0 - 0.5) * 256), -128, 127).astype(np.int8)
    assert u.scores.tolist() == mnist.run(ref).scores.tolist()
    f = mnist.run((ref.astype(np.float32) / 128.0))
    assert f.scores.tolist() == u.scores.tolist()
    assert mnist.run(ref[0]).scores.tolist() == u.scores.tolist()  # (H, W) for one channel


def test_eval_matches_run(mnist):
    X = np.random.default_rng(5).integers(-128, 128, (8, 1, 28, 28), dtype=np.int8)
    y = np.arange(8) % 10
    e1 = mnist.eval(X, labels=y, jobs=1)
    e2 = mnist.eval(X, labels=y, jobs=2)
    assert (e1["scores"] == e2["scores"]).all() and (e1["predictions"] == e2["predictions"]).all()
    for i in range(8):
        assert mnist.run(X[i], layers=False).scores.tolist() == e1["scores"][i].tolist()
    assert e1["accuracy"] == pytest.approx(np.mean(e1["predictions"] == y))
    assert e1["confusion"].sum() == 8
    assert (e1["cycles"] == 70157).all()


def test_model_name_and_classes():
    with max78sim.load("animal-yolo-pico") as net:
        assert net.input_shape == (3, 180, 180)
        assert net.classes == ["animal", "non-animal"]


def test_errors(mnist):
    with pytest.raises(max78sim.Error) as e:
        max78sim.load("/nonexistent/project")
    assert "no such" in str(e.value) and e.value.code == 2
    with pytest.raises(max78sim.ShapeError):
        mnist.run(np.zeros((1, 32, 32), np.int8))
    with pytest.raises(ValueError):  # ShapeError is a ValueError too
        mnist.run(np.zeros((3, 28, 28), np.int8))
    with pytest.raises(max78sim.DTypeError):
        mnist.run(np.zeros((1, 28, 28), np.complex64))
    with pytest.raises(TypeError):  # DTypeError is a TypeError too
        mnist.run(np.full((1, 28, 28), 1000, np.int32))
    with pytest.raises(max78sim.DTypeError, match="finite"):
        mnist.run(np.full((1, 28, 28), np.nan, np.float32))
    with pytest.raises(max78sim.ShapeError):
        mnist.eval(np.zeros((0, 1, 28, 28), np.int8))
    net = max78sim.load(fw("mnist"))
    net.close()
    with pytest.raises(max78sim.Error, match="closed"):
        net.run(np.zeros((1, 28, 28), np.int8))


def test_docstrings():
    assert "load" in max78sim.__doc__
    for obj in (max78sim.load, max78sim.Network, max78sim.Network.run, max78sim.Network.eval,
                max78sim.Network.close, max78sim.Result, max78sim.Error, max78sim.ShapeError, max78sim.DTypeError):
        assert obj.__doc__ and len(obj.__doc__) > 20, obj


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_no_leak_over_1000_inferences(mnist):
    X = np.repeat(mnist.sample[None], 100, axis=0)
    mnist.eval(X, jobs=2, layers=True)  # the allocator's pools reach their size for 100 results
    for _ in range(20):
        mnist.run(X[0])
    before = rss_kb()
    for _ in range(10):  # 1000 inferences, every layer's output copied into numpy
        mnist.eval(X, jobs=2, layers=True)
    after = rss_kb()
    assert after - before < 1024, f"RSS grew by {after - before} kB over 1000 inferences"
