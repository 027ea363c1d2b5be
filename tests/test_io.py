"""npgrad.save / npgrad.load: exact round trips without pickle, atomic writes, clear errors."""
import json
import math
import os
from collections import OrderedDict

import numpy as np
import pytest

import npgrad
from npgrad.io import CheckpointError, load, save


def roundtrip(obj, tmp_path):
    path = tmp_path / "x.npz"
    save(obj, path)
    return load(path)


def test_lazy_top_level_names():
    assert npgrad.save is save and npgrad.load is load
    assert issubclass(CheckpointError, ValueError)


def test_nested_structure_round_trips(tmp_path):
    obj = {
        "model": OrderedDict([("fc2.weight", np.arange(6, dtype=np.float32).reshape(2, 3)),
                              ("fc1.bias", np.zeros(3, dtype=np.float64))]),
        "state": {3: {"step": 7, "buf": np.ones(2, np.float32)}, 0: {}},
        "epoch": 12,
        "lr": 0.1,
        "flags": [True, False, None],
        "name": "mnist-λ",
        "betas": (0.9, 0.999),
        "empty": [],
        "floats": [-0.0, 1e-300, math.inf, -math.inf, 2.5e20],
        "scalars": [np.float32(0.1), np.int8(-3), np.bool_(True), np.uint64(2 ** 64 - 1)],
        "arrays": [np.array(5, dtype=np.int16), np.empty((0, 4)), np.array([True, False]),
                   np.array(["a", "bc"]), np.arange(4, dtype=np.complex64)],
        "tensor": npgrad.tensor(np.ones((2, 2), np.float32), requires_grad=True),
        -1: "negative int key",
    }
    back = roundtrip(obj, tmp_path)
    assert list(back) == list(obj)  # insertion order, int keys back as ints
    assert type(back["model"]) is OrderedDict and list(back["model"]) == ["fc2.weight", "fc1.bias"]
    for k, v in obj["model"].items():
        assert back["model"][k].dtype == v.dtype
        np.testing.assert_array_equal(back["model"][k], v)
    assert list(back["state"]) == [3, 0] and back["state"][3]["step"] == 7
    assert type(back["state"][3]["step"]) is int and back["state"][0] == {}
    assert back["epoch"] == 12 and type(back["epoch"]) is int
    assert back["lr"] == 0.1 and type(back["lr"]) is float
    assert back["flags"] == [True, False, None] and type(back["flags"][0]) is bool
    assert back["name"] == "mnist-λ" and back["betas"] == (0.9, 0.999)
    assert type(back["betas"]) is tuple and back["empty"] == []
    assert back["floats"] == obj["floats"] and math.copysign(1, back["floats"][0]) == -1
    for got, want in zip(back["scalars"], obj["scalars"]):
        assert type(got) is type(want) and got == want
    for got, want in zip(back["arrays"], obj["arrays"]):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert type(back["tensor"]) is np.ndarray and back["tensor"].dtype == np.float32
    assert back[-1] == "negative int key"
    assert math.isnan(roundtrip([math.nan], tmp_path)[0])
    assert roundtrip(None, tmp_path) is None and roundtrip(3, tmp_path) == 3


def test_big_ints_round_trip_exactly(tmp_path):
    ints = [2 ** 64, -(2 ** 100) + 1, 2 ** 128 - 1, 3 ** 20000, -(7 ** 9000)]  # the last two: > 4300 digits
    assert roundtrip({"ints": ints}, tmp_path)["ints"] == ints


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937,
                                           np.random.Philox, np.random.SFC64])
def test_generator_state_round_trips(bit_generator, tmp_path):
    rng = np.random.Generator(bit_generator(1234))
    rng.standard_normal(7)
    rng.integers(0, 10, size=3, dtype=np.uint32)  # leaves a buffered half word in PCG64
    back = roundtrip({"rng": rng.bit_generator.state}, tmp_path)["rng"]
    restored = np.random.Generator(bit_generator())
    restored.bit_generator.state = back
    np.testing.assert_array_equal(restored.random(10), rng.random(10))
    assert restored.integers(0, 2 ** 62) == rng.integers(0, 2 ** 62)


def test_legacy_random_state_round_trips(tmp_path):
    rs = np.random.RandomState(7)
    rs.standard_normal(3)  # leaves a cached gaussian
    back = roundtrip(rs.get_state(), tmp_path)
    restored = np.random.RandomState()
    restored.set_state(back)
    np.testing.assert_array_equal(restored.standard_normal(5), rs.standard_normal(5))


def test_file_is_a_plain_npz_without_pickle(tmp_path):
    path = tmp_path / "ckpt"  # the name is used as given, nothing appended
    save({"w": np.ones(3)}, str(path))
    assert os.listdir(tmp_path) == ["ckpt"]
    with np.load(path, allow_pickle=False) as npz:
        assert "__npgrad__" in npz.files
        manifest = json.loads(npz["__npgrad__"].tobytes().decode())
    assert manifest["format"] == "npgrad" and manifest["version"] == 1


def test_loaded_arrays_are_writable_copies(tmp_path):
    a = np.ones(3)
    back = roundtrip({"a": a, "b": a}, tmp_path)
    back["a"][0] = 5.0
    assert a[0] == 1.0 and back["b"][0] == 1.0


@pytest.mark.parametrize("bad, where", [
    ({"model": {"w": np.ones(2)}, "history": [1, 2, {"bad": object()}]}, r"\['history'\]\[2\]\['bad'\]"),
    ({"s": {1, 2}}, "set"),
    ({"a": np.array([1, "x"], dtype=object)}, "pickle"),
    ({(1, 2): 3}, "dict keys"),
    ({True: 3}, "dict keys"),
    ([1j], "complex"),
])
def test_unsupported_objects(bad, where, tmp_path):
    with pytest.raises(TypeError, match=where):
        save(bad, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_cycle_is_an_error(tmp_path):
    a = [1]
    a.append(a)
    with pytest.raises(ValueError, match="contains itself"):
        save(a, tmp_path / "x.npz")
    shared = [0]
    assert roundtrip([shared, shared], tmp_path) == [[0], [0]]  # shared, not cyclic: fine


def test_failed_save_keeps_the_earlier_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"epoch": 1, "w": np.arange(10.0)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        save({"epoch": 2, "w": np.zeros(10), "deep": {"x": [np.ones(2), object()]}}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert load(path)["epoch"] == 1


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_crash_while_writing_keeps_the_earlier_file(fail_at, tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"epoch": 1, "w": np.arange(10.0)}, path)
    before = path.read_bytes()
    if fail_at == "write":  # the second array fails after the first is written
        real, calls = np.lib.format.write_array, []

        def write_array(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise OSError("disk full")
            return real(*args, **kwargs)

        monkeypatch.setattr(np.lib.format, "write_array", write_array)
    else:
        def boom(*args):
            raise OSError("disk full")

        monkeypatch.setattr(os, fail_at, boom)
    with pytest.raises(OSError, match="disk full"):
        save({"epoch": 2, "w": np.zeros(10), "v": np.ones(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"epoch": 1}, path)
    save({"epoch": 2}, path)
    assert load(path) == {"epoch": 2} and os.listdir(tmp_path) == ["ckpt.npz"]


# ---- bad files ----------------------------------------------------------------------------------
def saved(tmp_path):
    path = tmp_path / "good.npz"
    save({"w": np.arange(1000.0), "epoch": 3}, path)
    return path


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.99])
def test_truncated_file(cut, tmp_path):
    data = saved(tmp_path).read_bytes()
    bad = tmp_path / "cut.npz"
    bad.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(CheckpointError, match=r"cut\.npz.*truncated or corrupt"):
        load(bad)


def test_corrupted_bytes(tmp_path):
    path = saved(tmp_path)
    data = bytearray(path.read_bytes())
    i = data.index(np.arange(1000.0)[500:501].tobytes())  # inside the array's data
    data[i:i + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="good.npz"):
        load(path)


@pytest.mark.parametrize("content", [b"", os.urandom(2000), b"\x93NUMPY" + os.urandom(200),
                                     b"PK\x03\x04" + os.urandom(500)])
def test_not_an_npz_file(content, tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=r"junk\.bin"):
        load(path)


def test_npy_file(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(CheckpointError, match=r"a\.npy.*not an \.npz"):
        load(tmp_path / "a.npy")


def test_npz_without_manifest(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weight=np.ones(3), bias=np.zeros(1))
    with pytest.raises(CheckpointError, match=r"plain\.npz.*without the npgrad manifest.*weight"):
        load(path)


def manifest_file(path, manifest, **arrays):
    raw = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    np.savez(path, __npgrad__=np.frombuffer(raw, dtype=np.uint8), **arrays)


def test_unknown_version(tmp_path):
    path = tmp_path / "future.npz"
    manifest_file(path, {"format": "npgrad", "version": 99, "tree": None})
    with pytest.raises(CheckpointError, match=r"future\.npz.*version 99"):
        load(path)


@pytest.mark.parametrize("manifest, match", [
    (b"{not json", "not valid JSON"),
    ({"format": "other", "version": 1, "tree": None}, "not an npgrad manifest"),
    ({"format": "npgrad", "version": 1, "tree": {"t": "array", "key": "a9"}}, "malformed"),
    ({"format": "npgrad", "version": 1, "tree": {"t": "wat"}}, "malformed"),
])
def test_bad_manifest(manifest, match, tmp_path):
    path = tmp_path / "m.npz"
    manifest_file(path, manifest, a0=np.ones(1))
    with pytest.raises(CheckpointError, match=match):
        load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.npz")


# ---- a full training checkpoint -----------------------------------------------------------------
def test_training_checkpoint_resumes_exactly(tmp_path):
    nn = pytest.importorskip("npgrad.nn")
    from npgrad.optim import Adam
    from npgrad.optim.lr_scheduler import StepLR

    def build():
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = Adam(model.parameters(), lr=0.01)
        return model, opt, StepLR(opt, step_size=2, gamma=0.5)

    def train(model, opt, sched, rng, epochs):
        losses = []
        for _ in range(epochs):
            x = rng.standard_normal((16, 4)).astype(np.float32)
            y = x.sum(axis=1, keepdims=True)
            opt.zero_grad()
            loss = nn.MSELoss()(model(npgrad.tensor(x)), npgrad.tensor(y))
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        return losses

    model, opt, sched = build()
    rng = np.random.default_rng(0)
    history = train(model, opt, sched, rng, 3)
    save({"model": model.state_dict(), "optimizer": opt.state_dict(),
          "scheduler": sched.state_dict(), "epoch": 3, "rng": rng.bit_generator.state,
          "history": {"loss": history}}, tmp_path / "ckpt.npz")
    expected = train(model, opt, sched, rng, 3)

    ckpt = load(tmp_path / "ckpt.npz")
    model2, opt2, sched2 = build()
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    sched2.load_state_dict(ckpt["scheduler"])
    rng2 = np.random.default_rng()
    rng2.bit_generator.state = ckpt["rng"]
    assert ckpt["epoch"] == 3 and ckpt["history"]["loss"] == history
    assert train(model2, opt2, sched2, rng2, 3) == expected
    for (k, a), b in zip(model.state_dict().items(), model2.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=k)
