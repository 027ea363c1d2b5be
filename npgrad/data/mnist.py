"""MNIST: the IDX file reader, the cached downloader and the loaders.

- :func:`load_mnist` gives the standard 50,000 / 10,000 / 10,000 train / validation / test
  split of the full data set, downloading the four official files on first use.
- :func:`load_mnist_sample` works offline: it splits the real 10,000-image MNIST test set
  shipped inside the package (``npgrad/data/files``).

Cache folder: ``$NPGRAD_DATA/mnist`` when ``NPGRAD_DATA`` is set, else
``$XDG_CACHE_HOME/npgrad/mnist`` (``~/.cache/npgrad/mnist``).
"""
import functools
import gzip
import hashlib
import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np

from .._atomic import atomic_path

__all__ = [
    "MNISTFormatError",
    "MNISTDownloadError",
    "MIRRORS",
    "RESOURCES",
    "default_data_dir",
    "read_idx",
    "download_mnist",
    "load_mnist",
    "load_mnist_sample",
]

#: Base URLs tried in order; each must hold the four ``.gz`` files.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: role -> (file name, md5 of the official gzipped file)
RESOURCES = {
    "train_images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
}

IMAGE_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABEL_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
ROWS = COLS = 28

_SHIPPED = Path(__file__).resolve().parent / "files"
_MAX_DOWNLOAD = 64 * 2**20  # the largest official file is ~9.9 MB

# IDX type code -> big-endian dtype
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class MNISTFormatError(ValueError):
    """A file is not a valid (MNIST) IDX file: bad magic number, dimensions or size."""


class MNISTDownloadError(OSError):
    """No mirror delivered a file with the expected checksum."""


def default_data_dir():
    """The MNIST cache folder: ``$NPGRAD_DATA/mnist`` or ``~/.cache/npgrad/mnist``."""
    root = os.environ.get("NPGRAD_DATA")
    if root:
        return Path(root).expanduser() / "mnist"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "npgrad" / "mnist"


# ---------------------------------------------------------------- IDX reading

def _read_bytes(path):
    """The file's content, gunzipped when it starts with the gzip signature."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise MNISTFormatError(f"{path}: corrupt or truncated gzip data ({e})") from e


def read_idx(path, expected_magic=None):
    """Read an IDX file (gzipped or raw) into an ndarray of its stored shape.

    The header is a 4-byte magic number (two zero bytes, a type code, the number of
    dimensions), then one big-endian uint32 size per dimension, then the data. Raises
    :class:`MNISTFormatError` naming the file when the magic number (or ``expected_magic``),
    the dimensions or the data size are wrong. Returns a native-endian array (``uint8`` for
    MNIST).
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise MNISTFormatError(
            f"{path}: truncated: {len(data)} bytes, too short for the 4-byte IDX magic number"
        )
    (magic,) = struct.unpack(">I", data[:4])
    type_code, ndim = data[2], data[3]
    if data[0] != 0 or data[1] != 0 or type_code not in _IDX_TYPES or ndim == 0:
        raise MNISTFormatError(
            f"{path}: bad magic number 0x{magic:08X}: not an IDX file (expected 0x0000TTDD "
            f"with type code TT in {{08, 09, 0B, 0C, 0D, 0E}} and DD >= 1 dimensions)"
        )
    if expected_magic is not None and magic != expected_magic:
        raise MNISTFormatError(
            f"{path}: bad magic number 0x{magic:08X}, expected 0x{expected_magic:08X}"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise MNISTFormatError(
            f"{path}: truncated header: {ndim} dimensions need {header} bytes, file has "
            f"{len(data)}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header
    if found < expected:
        raise MNISTFormatError(
            f"{path}: truncated: shape {shape} needs {expected} data bytes, found {found}"
        )
    if found > expected:
        raise MNISTFormatError(
            f"{path}: {found - expected} unexpected trailing bytes after the data of "
            f"shape {shape}"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


def _read_images(path):
    arr = read_idx(path, expected_magic=IMAGE_MAGIC)
    if arr.shape[1:] != (ROWS, COLS):
        raise MNISTFormatError(
            f"{path}: images are {arr.shape[1]}x{arr.shape[2]}, expected {ROWS}x{COLS}"
        )
    return arr


def _read_labels(path):
    arr = read_idx(path, expected_magic=LABEL_MAGIC)
    if arr.size and arr.max() > 9:
        raise MNISTFormatError(f"{path}: label {int(arr.max())} outside 0..9")
    return arr


def _check_pair(images_path, images, labels_path, labels):
    if images.shape[0] != labels.shape[0]:
        raise MNISTFormatError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
            f"{labels.shape[0]} labels"
        )
    return images, labels


def _read_pair(images_path, labels_path):
    return _check_pair(images_path, _read_images(images_path),
                       labels_path, _read_labels(labels_path))


def _prepare(images, labels, flatten, normalize):
    """uint8 ``(n, 28, 28)`` -> ``(n, 784)`` / ``(n, 28, 28)``, float32 in [0, 1] or uint8."""
    if flatten:
        images = images.reshape(images.shape[0], ROWS * COLS)
    if normalize:
        images = images.astype(np.float32) / np.float32(255.0)
    else:
        images = images.copy()
    return images, labels.astype(np.int64)


# ---------------------------------------------------------------- downloading

class _Rejected(Exception):
    """A download that arrived but must not replace the cached file."""


def _fetch(url, dest, md5, opener, timeout):
    """Stream ``url`` into a temp file next to ``dest``; move it into place only when its md5
    matches. Returns None on success, else the reason it failed."""
    h = hashlib.md5()
    try:
        with atomic_path(dest) as tmp:
            size = 0
            with open(tmp, "xb") as out, opener(url, timeout=timeout) as response:
                while True:
                    block = response.read(1 << 16)
                    if not block:
                        break
                    size += len(block)
                    if size > _MAX_DOWNLOAD:
                        raise _Rejected(f"{url}: larger than {_MAX_DOWNLOAD} bytes")
                    h.update(block)
                    out.write(block)
            if md5 is not None and h.hexdigest() != md5:
                raise _Rejected(f"{url}: md5 {h.hexdigest()} != expected {md5}")
        return None
    except _Rejected as e:
        return str(e)
    except Exception as e:  # network, HTTP and socket errors of any opener
        return f"{url}: {type(e).__name__}: {e}"


def _default_opener(url, timeout):
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "npgrad"})
    return urllib.request.urlopen(request, timeout=timeout)


def _missing_message(folder, names, mirrors):
    files = ", ".join(names)
    return (
        f"MNIST file(s) missing: put {files} (gzipped, or gunzipped without the .gz) into "
        f"{folder} (or set NPGRAD_DATA, or pass path=). They can be downloaded from "
        + " or ".join(mirrors) + ". For an offline subset use npgrad.data.load_mnist_sample()."
    )


def download_mnist(path=None, files=None, mirrors=MIRRORS, opener=None, timeout=30.0,
                   force=False):
    """Download the MNIST ``.gz`` files into ``path`` (default :func:`default_data_dir`).

    files: file names from :data:`RESOURCES` (default: all four); present files are kept
    unless ``force``. Each file is tried on every mirror in order, checked against its md5
    and written atomically. ``opener(url, timeout=...)`` returns a readable context manager
    (default ``urllib.request.urlopen``). Returns the folder. Raises
    :class:`MNISTDownloadError` listing every attempt when a file cannot be fetched.
    """
    folder = Path(path).expanduser() if path is not None else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    checksums = dict(RESOURCES.values())
    names = list(checksums) if files is None else list(files)
    unknown = [n for n in names if n not in checksums]
    if unknown:
        raise ValueError(f"unknown MNIST file(s) {unknown}; known: {sorted(checksums)}")
    opener = opener or _default_opener
    mirrors = [m if m.endswith("/") else m + "/" for m in mirrors]
    for name in names:
        dest = folder / name
        if dest.exists() and not force:
            continue
        errors = []
        for mirror in mirrors:
            error = _fetch(mirror + name, dest, checksums[name], opener, timeout)
            if error is None:
                break
            errors.append(error)
        else:
            raise MNISTDownloadError(
                f"could not download {name}: "
                + ("; ".join(errors) if errors else "no mirrors given")
                + ". " + _missing_message(folder, [name], mirrors)
            )
    return folder


# ---------------------------------------------------------------- loading

def _locate(folder, name):
    """The gzipped file, else the raw one, else None."""
    for p in (folder / name, folder / name[: -len(".gz")]):
        if p.is_file():
            return p
    return None


def load_mnist(path=None, download=True, flatten=True, normalize=True, val_size=10000,
               mirrors=MIRRORS, opener=None):
    """The MNIST data set split into train / validation / test.

    path: folder holding the four IDX files (gzipped or raw); default
    :func:`default_data_dir`. Missing files are downloaded when ``download`` (see
    :func:`download_mnist`); a cached ``.gz`` that fails to parse is downloaded again and
    replaced. The validation set is the *last* ``val_size`` training images (no shuffling), so
    the default gives the standard 50,000 / 10,000 / 10,000 split.

    Returns ``X_train, y_train, X_val, y_val, X_test, y_test``: images ``(n, 784)`` (or
    ``(n, 28, 28)`` when ``flatten=False``), float32 in [0, 1] (uint8 0..255 when
    ``normalize=False``); labels int64 ``(n,)`` in 0..9.
    """
    if isinstance(val_size, bool) or not isinstance(val_size, (int, np.integer)) \
            or val_size < 0:
        raise ValueError(f"val_size must be an int >= 0, got {val_size!r}")
    folder = Path(path).expanduser() if path is not None else default_data_dir()
    names = {role: name for role, (name, _) in RESOURCES.items()}
    found = {role: _locate(folder, name) for role, name in names.items()}
    missing = [names[r] for r, p in found.items() if p is None]
    if missing:
        if not download:
            raise FileNotFoundError(_missing_message(folder, missing, mirrors))
        download_mnist(folder, files=missing, mirrors=mirrors, opener=opener)
        found = {role: _locate(folder, name) for role, name in names.items()}

    def read(role, reader):
        file = found[role]
        try:
            return reader(file)
        except MNISTFormatError as e:
            # A corrupt cached download is fetched again; files the user gunzipped are not ours.
            if not download or file.name != names[role]:
                raise
            warnings.warn(f"{e}; downloading it again", RuntimeWarning, stacklevel=3)
            download_mnist(folder, files=[file.name], mirrors=mirrors, opener=opener,
                           force=True)
            return reader(file)

    train_x, train_y = _check_pair(found["train_images"], read("train_images", _read_images),
                                   found["train_labels"], read("train_labels", _read_labels))
    test_x, test_y = _check_pair(found["test_images"], read("test_images", _read_images),
                                 found["test_labels"], read("test_labels", _read_labels))

    n = train_x.shape[0]
    if val_size >= n:
        raise ValueError(f"val_size must be < the {n} training images, got {val_size}")
    cut = n - int(val_size)
    X_train, y_train = _prepare(train_x[:cut], train_y[:cut], flatten, normalize)
    X_val, y_val = _prepare(train_x[cut:], train_y[cut:], flatten, normalize)
    X_test, y_test = _prepare(test_x, test_y, flatten, normalize)
    return X_train, y_train, X_val, y_val, X_test, y_test


@functools.lru_cache(maxsize=1)
def _sample_arrays():
    images, labels = _read_pair(
        _SHIPPED / RESOURCES["test_images"][0], _SHIPPED / RESOURCES["test_labels"][0]
    )
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_mnist_sample(flatten=True, normalize=True, test_size=2000):
    """The real MNIST test set (10,000 images, shipped with npgrad) split for offline use.

    The *first* ``10000 - test_size`` images are the training part and the *last*
    ``test_size`` the test part (no shuffling; default 8,000 / 2,000). Returns
    ``X_train, y_train, X_test, y_test`` with the same formats as :func:`load_mnist`. The
    decoded file is cached per process.
    """
    images, labels = _sample_arrays()
    n = images.shape[0]
    if isinstance(test_size, bool) or not isinstance(test_size, (int, np.integer)) \
            or not 0 <= test_size < n:
        raise ValueError(f"test_size must be an int in [0, {n}), got {test_size!r}")
    cut = n - int(test_size)
    X_train, y_train = _prepare(images[:cut], labels[:cut], flatten, normalize)
    X_test, y_test = _prepare(images[cut:], labels[cut:], flatten, normalize)
    return X_train, y_train, X_test, y_test
