"""MNIST: the IDX reader on the shipped real files and on corrupted copies, the split of
load_mnist on fake files, and the downloader against a local HTTP server (no network)."""
import gzip
import hashlib
import http.server
import io
import threading
from pathlib import Path

import numpy as np
import pytest

from npgrad.data import mnist
from npgrad.data.mnist import (
    MNISTDownloadError,
    MNISTFormatError,
    download_mnist,
    load_mnist,
    load_mnist_sample,
    read_idx,
)

SHIPPED = Path(mnist.__file__).parent / "files"
IMAGES_GZ = SHIPPED / "t10k-images-idx3-ubyte.gz"
LABELS_GZ = SHIPPED / "t10k-labels-idx1-ubyte.gz"
NAMES = [name for name, _ in mnist.RESOURCES.values()]


def md5(data):
    return hashlib.md5(data).hexdigest()


def idx_bytes(arr, magic=None):
    """IDX encoding of a uint8 array, written independently of the library."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    magic = (0x0800 | arr.ndim) if magic is None else magic
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def write(path, data):
    path = Path(path)
    path.write_bytes(gzip.compress(data, compresslevel=1) if path.suffix == ".gz" else data)
    return path


def fake_set(n, offset=0):
    """n distinguishable 28x28 images (pixel [0, 0] and [27, 27] encode the index) + labels."""
    images = np.zeros((n, 28, 28), np.uint8)
    idx = np.arange(offset, offset + n)
    images[:, 0, 0] = idx % 256
    images[:, 27, 27] = idx // 256
    return images, (idx % 10).astype(np.uint8)


def write_fake_mnist(folder, n_train=60, n_test=10, gz=True):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    train, test = fake_set(n_train), fake_set(n_test, offset=1000)
    contents = {
        "train-images-idx3-ubyte.gz": idx_bytes(train[0]),
        "train-labels-idx1-ubyte.gz": idx_bytes(train[1]),
        "t10k-images-idx3-ubyte.gz": idx_bytes(test[0]),
        "t10k-labels-idx1-ubyte.gz": idx_bytes(test[1]),
    }
    written = {}
    for name, data in contents.items():
        path = write(folder / (name if gz else name[:-3]), data)
        written[name] = path.read_bytes()
    return train, test, written


# ---------------------------------------------------------------- the shipped real files

def test_shipped_files_are_the_official_ones():
    assert md5(IMAGES_GZ.read_bytes()) == "9fb629c4189551a2d022fa330f9573f3"
    assert md5(LABELS_GZ.read_bytes()) == "ec29112dd5afa0611ce80d1b7f02629c"


def test_read_idx_on_real_test_set():
    images, labels = read_idx(IMAGES_GZ), read_idx(LABELS_GZ)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    # Decode the raw bytes independently: 16-byte header for images, 8 for labels.
    raw_images = gzip.decompress(IMAGES_GZ.read_bytes())
    raw_labels = gzip.decompress(LABELS_GZ.read_bytes())
    assert int.from_bytes(raw_images[:4], "big") == 2051
    assert [int.from_bytes(raw_images[i:i + 4], "big") for i in (4, 8, 12)] == [10000, 28, 28]
    assert images.tobytes() == raw_images[16:]
    assert labels.tobytes() == raw_labels[8:]
    # Well-known facts of the MNIST test set.
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert images.max() == 255 and images[:, 0, 0].max() == 0  # corners are background


def test_gzipped_and_raw_read_the_same(tmp_path):
    raw = write(tmp_path / "labels-idx1-ubyte", gzip.decompress(LABELS_GZ.read_bytes()))
    np.testing.assert_array_equal(read_idx(raw), read_idx(LABELS_GZ))
    # The gzip signature decides, not the suffix.
    swapped = tmp_path / "raw-but-named.gz"
    swapped.write_bytes(raw.read_bytes())
    np.testing.assert_array_equal(read_idx(swapped), read_idx(LABELS_GZ))


def test_read_idx_other_types(tmp_path):
    arr = (np.arange(6).reshape(2, 3) - 3).astype(">i4")
    path = write(tmp_path / "ints", (0x0C02).to_bytes(4, "big") + (2).to_bytes(4, "big")
                 + (3).to_bytes(4, "big") + arr.tobytes())
    out = read_idx(path)
    assert out.dtype == np.int32 and out.dtype.isnative
    np.testing.assert_array_equal(out, [[-3, -2, -1], [0, 1, 2]])


def test_load_mnist_sample():
    X_train, y_train, X_test, y_test = load_mnist_sample()
    assert X_train.shape == (8000, 784) and X_test.shape == (2000, 784)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert y_train.dtype == y_test.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    # First 8,000 / last 2,000 of the real test set, pixels / 255.
    images, labels = read_idx(IMAGES_GZ), read_idx(LABELS_GZ)
    np.testing.assert_array_equal(y_train, labels[:8000])
    np.testing.assert_array_equal(y_test, labels[8000:])
    np.testing.assert_allclose(X_test, images[8000:].reshape(2000, 784) / 255.0, atol=1e-7)

    Xr, yr, Xt, yt = load_mnist_sample(flatten=False, normalize=False, test_size=500)
    assert Xr.shape == (9500, 28, 28) and Xr.dtype == np.uint8 and Xt.shape == (500, 28, 28)
    np.testing.assert_array_equal(Xt, images[9500:])
    Xr[:] = 0  # the per-process cache must not be affected by callers
    assert load_mnist_sample(flatten=False, normalize=False)[0].max() == 255


@pytest.mark.parametrize("bad", [-1, 10000, 2.5, True])
def test_load_mnist_sample_rejects_test_size(bad):
    with pytest.raises(ValueError, match="test_size"):
        load_mnist_sample(test_size=bad)


# ---------------------------------------------------------------- corrupt files

def _images(n=3, rows=28, cols=28):
    return np.full((n, rows, cols), 7, np.uint8)


CORRUPTIONS = {
    "empty": (b"", "too short"),
    "not idx": (b"GIF89a" + bytes(100), "not an IDX file"),
    "labels not images": (idx_bytes(np.zeros(3, np.uint8)), "expected 0x00000803"),
    "truncated header": (idx_bytes(_images())[:10], "truncated header"),
    "truncated data": (idx_bytes(_images())[:-5], "truncated"),
    "trailing bytes": (idx_bytes(_images()) + b"\0\0", "trailing"),
    "wrong dims": (idx_bytes(_images(rows=27)), "27x28, expected 28x28"),
}


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupt_image_files_raise_clear_errors(tmp_path, case, suffix):
    data, message = CORRUPTIONS[case]
    path = write(tmp_path / f"bad-{case.replace(' ', '-')}{suffix}", data)
    with pytest.raises(MNISTFormatError, match=message) as info:
        mnist._read_images(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_truncated_gzip(tmp_path):
    good = IMAGES_GZ.read_bytes()
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(MNISTFormatError, match="corrupt or truncated gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF  # caught by zlib or the gzip CRC
    path.write_bytes(bytes(flipped))
    with pytest.raises(MNISTFormatError, match="gzip"):
        read_idx(path)


def test_labels_out_of_range(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(np.array([1, 12, 3], np.uint8)))
    with pytest.raises(MNISTFormatError, match="label 12 outside 0..9"):
        mnist._read_labels(path)


def test_image_label_count_mismatch(tmp_path):
    write_fake_mnist(tmp_path, n_train=20)
    write(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(np.zeros(19, np.uint8)))
    with pytest.raises(MNISTFormatError, match="holds 20 images but .* holds 19 labels"):
        load_mnist(tmp_path, download=False, val_size=5)


# ---------------------------------------------------------------- load_mnist splits

def test_load_mnist_split_on_fake_files(tmp_path):
    (train_x, train_y), (test_x, test_y), _ = write_fake_mnist(tmp_path, n_train=60, n_test=10)
    X_train, y_train, X_val, y_val, X_test, y_test = load_mnist(tmp_path, download=False,
                                                                val_size=10)
    assert X_train.shape == (50, 784) and X_val.shape == (10, 784) and X_test.shape == (10, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    # Validation = the last val_size training images, in order.
    np.testing.assert_array_equal(X_val.reshape(10, 28, 28)[:, 0, 0] * 255, np.arange(50, 60))
    np.testing.assert_array_equal(y_train, train_y[:50])
    np.testing.assert_array_equal(y_val, train_y[50:])
    np.testing.assert_array_equal(y_test, test_y)
    np.testing.assert_allclose(X_test, test_x.reshape(10, 784) / 255.0, atol=1e-7)

    X_train, _, X_val, _, X_test, _ = load_mnist(tmp_path, download=False, val_size=0,
                                                 flatten=False, normalize=False)
    assert X_train.shape == (60, 28, 28) and X_train.dtype == np.uint8
    assert X_val.shape == (0, 28, 28)
    np.testing.assert_array_equal(X_train, train_x)


def test_load_mnist_reads_raw_files(tmp_path):
    write_fake_mnist(tmp_path, n_train=30, n_test=5, gz=False)
    out = load_mnist(tmp_path, download=False, val_size=10)
    assert [a.shape[0] for a in out] == [20, 20, 10, 10, 5, 5]


def test_load_mnist_default_split_is_50k_10k_10k(tmp_path):
    # Full-size fake files (raw, so writing them is quick).
    train = fake_set(60000)
    test = fake_set(10000)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(train[0]))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(train[1]))
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(test[0]))
    write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(test[1]))
    X_train, y_train, X_val, y_val, X_test, y_test = load_mnist(tmp_path, download=False,
                                                                normalize=False)
    assert X_train.shape == (50000, 784) and X_val.shape == (10000, 784)
    assert X_test.shape == (10000, 784)
    index = lambda X: X[:, 0].astype(np.int64) + 256 * X[:, -1].astype(np.int64)  # noqa: E731
    np.testing.assert_array_equal(index(X_train), np.arange(50000))
    np.testing.assert_array_equal(index(X_val), np.arange(50000, 60000))
    assert len(y_train) == 50000 and len(y_val) == len(y_test) == 10000


@pytest.mark.parametrize("bad", [-1, 60, 1.5, "10"])
def test_load_mnist_rejects_val_size(tmp_path, bad):
    write_fake_mnist(tmp_path, n_train=60)
    with pytest.raises(ValueError, match="val_size"):
        load_mnist(tmp_path, download=False, val_size=bad)


# ---------------------------------------------------------------- cache folder, offline

def test_default_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("NPGRAD_DATA", str(tmp_path / "data"))
    assert mnist.default_data_dir() == tmp_path / "data" / "mnist"
    monkeypatch.delenv("NPGRAD_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert mnist.default_data_dir() == tmp_path / "cache" / "npgrad" / "mnist"


def test_missing_files_without_download_name_files_and_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("NPGRAD_DATA", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    write(tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz", LABELS_GZ.read_bytes())
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(download=False)
    message = str(info.value)
    assert str(tmp_path / "mnist") in message
    for name in NAMES[:3]:
        assert name in message
    assert "put t10k-labels" not in message and ", t10k-labels" not in message
    assert "load_mnist_sample" in message


def test_offline_download_error_names_files_and_folder(tmp_path):
    calls = []

    def offline(url, timeout):
        calls.append(url)
        raise OSError("Network is unreachable")

    with pytest.raises(MNISTDownloadError) as info:
        load_mnist(tmp_path, mirrors=["https://a.example/", "https://b.example"], opener=offline)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and str(tmp_path) in message
    assert "Network is unreachable" in message
    assert calls == ["https://a.example/train-images-idx3-ubyte.gz",
                     "https://b.example/train-images-idx3-ubyte.gz"]
    assert list(tmp_path.iterdir()) == []  # no partial or temp files left behind


def test_injected_opener(tmp_path):
    served = {"t10k-labels-idx1-ubyte.gz": LABELS_GZ.read_bytes()}
    opener = lambda url, timeout: io.BytesIO(served[url.rsplit("/", 1)[1]])  # noqa: E731
    download_mnist(tmp_path, files=["t10k-labels-idx1-ubyte.gz"], mirrors=["x://m/"],
                   opener=opener)
    assert (tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes() == served[
        "t10k-labels-idx1-ubyte.gz"]


# ---------------------------------------------------------------- downloads from a local server

class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.requests.append(self.path)
        body = self.server.routes.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.routes, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_download_success(server, tmp_path):
    httpd, url = server
    httpd.routes["/m/t10k-images-idx3-ubyte.gz"] = IMAGES_GZ.read_bytes()
    httpd.routes["/m/t10k-labels-idx1-ubyte.gz"] = LABELS_GZ.read_bytes()
    cache = tmp_path / "cache"
    out = download_mnist(cache, files=["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
                         mirrors=[url + "/m/"], timeout=5)
    assert out == cache
    assert md5((cache / "t10k-images-idx3-ubyte.gz").read_bytes()) == mnist.RESOURCES[
        "test_images"][1]
    assert sorted(p.name for p in cache.iterdir()) == ["t10k-images-idx3-ubyte.gz",
                                                       "t10k-labels-idx1-ubyte.gz"]
    # Present files are not fetched again.
    download_mnist(cache, files=["t10k-labels-idx1-ubyte.gz"], mirrors=[url + "/m/"])
    assert len(httpd.requests) == 2


def test_checksum_mismatch_tries_next_mirror(server, tmp_path):
    httpd, url = server
    good = LABELS_GZ.read_bytes()
    httpd.routes["/bad/t10k-labels-idx1-ubyte.gz"] = good[:-1] + b"x"
    httpd.routes["/good/t10k-labels-idx1-ubyte.gz"] = good
    download_mnist(tmp_path, files=["t10k-labels-idx1-ubyte.gz"],
                   mirrors=[url + "/missing", url + "/bad", url + "/good"], timeout=5)
    assert httpd.requests == ["/missing/t10k-labels-idx1-ubyte.gz",
                              "/bad/t10k-labels-idx1-ubyte.gz",
                              "/good/t10k-labels-idx1-ubyte.gz"]
    assert (tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["t10k-labels-idx1-ubyte.gz"]


def test_checksum_mismatch_everywhere_is_a_clear_error(server, tmp_path):
    httpd, url = server
    httpd.routes["/bad/t10k-labels-idx1-ubyte.gz"] = b"not the file"
    with pytest.raises(MNISTDownloadError) as info:
        download_mnist(tmp_path, files=["t10k-labels-idx1-ubyte.gz"],
                       mirrors=[url + "/bad/", url + "/gone/"], timeout=5)
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and str(tmp_path) in message
    assert f"md5 {md5(b'not the file')} != expected ec29112dd5afa0611ce80d1b7f02629c" in message
    assert "404" in message
    assert list(tmp_path.iterdir()) == []


def _serve_fake(httpd, monkeypatch, written):
    """Serve the fake files and make their md5s the expected ones."""
    for name, data in written.items():
        httpd.routes[f"/m/{name}"] = data
    patched = {role: (name, md5(written[name])) for role, (name, _) in mnist.RESOURCES.items()}
    monkeypatch.setattr(mnist, "RESOURCES", patched)


def test_load_mnist_downloads_missing_files_once(server, monkeypatch, tmp_path):
    httpd, url = server
    _, _, written = write_fake_mnist(tmp_path / "source", n_train=30, n_test=5)
    _serve_fake(httpd, monkeypatch, written)
    cache = tmp_path / "cache"
    out = load_mnist(cache, mirrors=[url + "/m/"], val_size=10)
    assert [a.shape[0] for a in out] == [20, 20, 10, 10, 5, 5]
    assert sorted(p.name for p in cache.iterdir()) == sorted(written)
    load_mnist(cache, mirrors=[url + "/m/"], val_size=10)
    assert len(httpd.requests) == 4


def test_corrupt_cached_file_is_replaced(server, monkeypatch, tmp_path):
    httpd, url = server
    cache = tmp_path / "cache"
    (train_x, _), _, written = write_fake_mnist(cache, n_train=30, n_test=5)
    _serve_fake(httpd, monkeypatch, written)
    target = cache / "train-images-idx3-ubyte.gz"
    target.write_bytes(written[target.name][:40])  # a truncated download
    with pytest.warns(RuntimeWarning, match="truncated gzip.*downloading it again"):
        X_train, _, X_val, _, _, _ = load_mnist(cache, mirrors=[url + "/m/"], val_size=10,
                                                normalize=False, flatten=False)
    assert httpd.requests == ["/m/train-images-idx3-ubyte.gz"]
    assert target.read_bytes() == written[target.name]
    np.testing.assert_array_equal(np.concatenate([X_train, X_val]), train_x)
    # Without download the corrupt file is reported, naming it.
    target.write_bytes(written[target.name][:40])
    with pytest.raises(MNISTFormatError, match="train-images-idx3-ubyte.gz"):
        load_mnist(cache, download=False, val_size=10)
