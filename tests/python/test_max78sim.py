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


def descendants_rss_kb(root):
    """RSS of every process below `root` (the firmware server and its workers), and how many."""
    parent = {}
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/stat") as f:
                parent[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    below, grew = {root}, True
    while grew:
        new = {p for p, pp in parent.items() if pp in below and p not in below}
        below |= new
        grew = bool(new)
    total = 0
    for pid in below - {root}:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total, len(below) - 1


@pytest.mark.parametrize("case", ["mnist", "mnist-fifo", "cifar-10", "kws20_v3", "animal-yolo-pico"])
def test_rollback_equals_fork(case, monkeypatch):
    """A worker that rolls back between inferences (the default) gives, for inputs in any
    order, every layer, cycle and energy figure that a freshly forked child gives
    (M78SIM_SERVE_FORK=1), and a fresh `max78sim run --input` process for one of them."""
    path = fw(case)

    def runs(net, xs):
        out = []
        for x in xs:
            r = net.run(x, layers=True)
            out.append(([l.output.tobytes() for l in r.layers], [l.cycles for l in r.layers], r.cycles,
                        r.energy_uj, r.scores.tolist()))
        return out

    with max78sim.load(path) as net:
        rng = np.random.default_rng(99)
        xs = [rng.integers(-128, 128, net.sample.shape, dtype=np.int8) for _ in range(3)]
        order = [xs[0], xs[1], net.sample, xs[2], xs[0], xs[1]]
        rolled = runs(net, order)
    monkeypatch.setenv("M78SIM_SERVE_FORK", "1")
    with max78sim.load(path) as net:
        forked = runs(net, order)
    assert rolled == forked
    assert rolled[0] == rolled[4] and rolled[1] == rolled[5]
    assert rolled[0][0] != rolled[1][0]  # different inputs, different layers
    with tempfile.TemporaryDirectory() as d:
        np.save(f"{d}/x.npy", xs[2])
        dumps, rep = cli_dumps(case, ["--input", f"{d}/x.npy"])
    assert rolled[3][0] == [dumps[i].tobytes() for i in sorted(dumps)]
    assert rolled[3][2] == rep["inference"]["cycles"]


def test_rollback_worker_memory_is_bounded(mnist):
    """500 inferences in one worker: the firmware processes' memory does not grow."""
    X = np.random.default_rng(3).integers(-128, 128, (100, 1, 28, 28), dtype=np.int8)
    mnist.eval(X, jobs=1, layers=True)
    before, procs = descendants_rss_kb(os.getpid())
    for _ in range(4):
        mnist.eval(X, jobs=1, layers=True)
    after, procs_after = descendants_rss_kb(os.getpid())
    assert procs >= 2 and procs_after == procs  # the server and its one worker, which stays
    assert after - before < 1024, f"the firmware processes grew by {after - before} kB over 400 inferences"
