"""DataLoader: batches, determinism per (seed, epoch), drop_last, views, full batch, bad inputs."""
import numpy as np
import pytest

import npgrad
from npgrad.data.loader import DataLoader


def _data(n=10, d=3):
    X = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n, dtype=np.int64)
    return X, y


def test_no_shuffle_yields_views_in_order():
    X, y = _data()
    loader = DataLoader(X, y, batch_size=4, shuffle=False)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    for i, (xb, yb) in enumerate(batches):
        assert np.shares_memory(xb, X) and np.shares_memory(yb, y)
        np.testing.assert_array_equal(xb, X[4 * i:4 * i + 4])
        np.testing.assert_array_equal(yb, y[4 * i:4 * i + 4])


def test_shuffle_covers_every_sample_once_and_keeps_pairs():
    X, y = _data(23)
    loader = DataLoader(X, y, batch_size=5, shuffle=True, seed=1)
    seen = np.concatenate([yb for _, yb in loader])
    assert sorted(seen.tolist()) == list(range(23))
    assert seen.tolist() != list(range(23))
    for xb, yb in loader:
        np.testing.assert_array_equal(xb, X[yb])  # rows stay paired with their labels


def test_order_is_a_function_of_seed_and_epoch_only():
    X, y = _data(50)

    def order(loader):
        return np.concatenate([yb for _, yb in loader])

    a = DataLoader(X, y, batch_size=7, seed=3)
    e0, e1, e2 = order(a), order(a), order(a)  # each iteration advances the epoch
    assert not np.array_equal(e0, e1) and not np.array_equal(e1, e2)
    b = DataLoader(X, y, batch_size=7, seed=3)
    b.set_epoch(2)  # jump straight to epoch 2: same order as after two epochs
    np.testing.assert_array_equal(order(b), e2)
    b.set_epoch(0)
    np.testing.assert_array_equal(order(b), e0)
    np.testing.assert_array_equal(e1, np.random.default_rng([3, 1]).permutation(50))
    c = DataLoader(X, y, batch_size=7, seed=4)
    assert not np.array_equal(order(c), e0)


def test_seed_none_draws_and_keeps_a_seed():
    X, y = _data(30)
    a = DataLoader(X, y, batch_size=4)
    assert isinstance(a.seed, int) and a.seed >= 0
    b = DataLoader(X, y, batch_size=4, seed=a.seed)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in a]),
                                  np.concatenate([yb for _, yb in b]))


def test_drop_last():
    X, y = _data(10)
    loader = DataLoader(X, y, batch_size=4, shuffle=True, drop_last=True, seed=0)
    assert len(loader) == 2
    assert [len(xb) for xb, _ in loader] == [4, 4]
    assert len(DataLoader(X, y, batch_size=11, drop_last=True)) == 0
    assert len(DataLoader(X, y, batch_size=5, drop_last=True)) == 2


def test_full_batch_is_the_whole_array_unshuffled():
    X, y = _data(10)
    loader = DataLoader(X, y, batch_size=None, shuffle=True, seed=0)
    assert len(loader) == 1
    (xb, yb), = list(loader)
    assert xb.shape == X.shape and np.shares_memory(xb, X)
    np.testing.assert_array_equal(yb, y)


def test_batch_larger_than_data_and_x_only():
    X, y = _data(5)
    (xb, yb), = list(DataLoader(X, y, batch_size=100, shuffle=False))
    assert xb.shape == (5, 3)
    xs = list(DataLoader(X, batch_size=2, shuffle=False))
    assert [x.shape for x in xs] == [(2, 3), (2, 3), (1, 3)]


def test_accepts_tensors_without_copy():
    X, y = _data(6)
    loader = DataLoader(npgrad.Tensor(X), npgrad.Tensor(y), batch_size=3, shuffle=False)
    xb, yb = next(iter(loader))
    assert isinstance(xb, np.ndarray) and np.shares_memory(xb, X)


def test_length_mismatch_names_both_shapes():
    X, _ = _data(10)
    with pytest.raises(ValueError, match=r"\(10, 3\).*\(9,\)"):
        DataLoader(X, np.zeros(9), batch_size=2)


@pytest.mark.parametrize("bs", [0, -3])
def test_bad_batch_size_value(bs):
    X, y = _data()
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(X, y, batch_size=bs)


@pytest.mark.parametrize("bs", [2.5, "4", True])
def test_bad_batch_size_type(bs):
    X, y = _data()
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(X, y, batch_size=bs)


def test_bad_seed_and_scalar_input():
    X, y = _data()
    with pytest.raises(ValueError, match="seed"):
        DataLoader(X, y, seed=-1)
    with pytest.raises(ValueError, match="batch axis"):
        DataLoader(np.float32(3.0), None)


def test_exported_from_npgrad_data():
    import npgrad.data as data
    loader_cls = getattr(data, "DataLoader", None)
    if loader_cls is None:
        pytest.skip("npgrad.data does not re-export DataLoader yet (the lead adds it)")
    assert loader_cls is DataLoader
