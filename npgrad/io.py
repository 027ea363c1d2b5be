"""``save`` / ``load``: state dicts and checkpoints as ``.npz`` files, without pickle.

A file is an ordinary NumPy ``.npz`` archive: every array (and NumPy scalar) is its own entry
(``a0``, ``a1``, ...), and the entry ``__npgrad__`` holds a JSON manifest (UTF-8 bytes as a uint8
array) describing the nested structure, with a format version::

    {"format": "npgrad", "version": 1, "tree": <node>}

A node is ``null``, ``true``/``false``, a JSON string, a JSON number (an int has no decimal point,
a float always has one or an exponent, so they stay apart; ``NaN``/``Infinity`` as Python's json
writes them), or an object with a type tag ``"t"``: ``{"t": "dict"|"odict", "k": [keys], "v":
[nodes]}`` (keys are strings or ints, in order), ``{"t": "list"|"tuple", "v": [nodes]}``,
``{"t": "array"|"scalar", "key": entry}``, ``{"t": "int", "hex": ...}`` for ints too long for
JSON.

What comes back: dicts as dicts (``OrderedDict`` as ``OrderedDict``, int keys as ints), lists as
lists, tuples as tuples (a namedtuple as a plain tuple), ndarrays and Tensors as ndarrays, NumPy
scalars as NumPy scalars of the same dtype, Python ints (any size), floats, bools, strings and
None as themselves.
"""
import json
import os
from collections import OrderedDict

import numpy as np

from ._atomic import atomic_path

__all__ = ["save", "load", "CheckpointError"]

FORMAT = "npgrad"
VERSION = 1
MANIFEST = "__npgrad__"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries / an empty zip
_JSON_INT_BITS = 10_000  # longer ints go as hex (Python limits int <-> decimal str to 4300 digits)


class CheckpointError(ValueError):
    """A file that is not a readable npgrad checkpoint (corrupt, truncated, foreign, too new)."""


def save(obj, path):
    """Write ``obj`` (nested dicts, lists, tuples, ndarrays, Tensors, NumPy scalars, ints, floats,
    bools, strings, None) to ``path`` as an ``.npz`` file (the name is used as given).

    The data goes to a temporary file in the same folder, is flushed to disk, then renamed over
    ``path``: a failure at any point leaves an existing file at ``path`` as it was and no
    temporary file behind. Raises TypeError for an object it cannot store, naming where it is.
    """
    arrays = {}
    tree = _encode(obj, arrays, "obj", set())
    manifest = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    arrays[MANIFEST] = np.frombuffer(manifest.encode("utf-8"), dtype=np.uint8)

    with atomic_path(os.fspath(path)) as tmp:
        with open(tmp, "xb") as f:
            np.savez(f, **arrays)


def load(path):
    """Read a file written by ``save``. Raises CheckpointError (a ValueError) naming the file if
    it is not a complete npgrad checkpoint of a known format version."""
    name = os.fspath(path)
    with open(path, "rb") as f:
        if f.read(4) not in _ZIP_MAGIC:
            raise CheckpointError(f"{name}: not an .npz file (no zip header)")
        f.seek(0)
        try:
            with np.load(f, allow_pickle=False) as npz:
                if MANIFEST not in npz.files:
                    shown = ", ".join(npz.files[:5]) + (", ..." if len(npz.files) > 5 else "")
                    raise CheckpointError(
                        f"{name}: an .npz file without the npgrad manifest {MANIFEST!r} (not "
                        f"written by npgrad.save; its entries: {shown or 'none'})"
                    )
                header = _read_manifest(name, npz[MANIFEST])
                entries = {key: npz[key] for key in npz.files if key != MANIFEST}
        except CheckpointError:
            raise
        except Exception as e:  # zipfile.BadZipFile, zlib.error, EOFError, ValueError, ...
            raise CheckpointError(
                f"{name}: cannot read the .npz file (truncated or corrupt?): "
                f"{type(e).__name__}: {e}"
            ) from e
    try:
        return _decode(header["tree"], entries)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise CheckpointError(f"{name}: malformed npgrad manifest: {type(e).__name__}: {e}") from e


# ---- encoding -----------------------------------------------------------------------------------
def _encode(obj, arrays, where, active):
    # arrays first: np.float64 is also a float, and must come back as np.float64
    if isinstance(obj, (np.ndarray, np.generic)) or _is_tensor(obj):
        data = obj.data if _is_tensor(obj) else obj
        if data.dtype.hasobject:
            raise TypeError(f"cannot save {where}: arrays of Python objects need pickle")
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(data)
        return {"t": "scalar" if isinstance(data, np.generic) else "array", "key": key}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        obj = int(obj)  # an IntEnum or other int subclass as a plain int
        if obj.bit_length() > _JSON_INT_BITS:
            return {"t": "int", "hex": hex(obj)}
        return obj
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in active:
            raise ValueError(f"cannot save {where}: it contains itself")
        active.add(id(obj))
        try:
            if isinstance(obj, dict):
                keys = [_key(k, where) for k in obj]
                values = [_encode(v, arrays, f"{where}[{k!r}]", active) for k, v in obj.items()]
                return {"t": "odict" if isinstance(obj, OrderedDict) else "dict",
                        "k": keys, "v": values}
            values = [_encode(v, arrays, f"{where}[{i}]", active) for i, v in enumerate(obj)]
            return {"t": "list" if isinstance(obj, list) else "tuple", "v": values}
        finally:
            active.discard(id(obj))
    raise TypeError(
        f"cannot save {where}: unsupported type {type(obj).__name__} (npgrad.save stores dicts, "
        "lists, tuples, arrays, tensors, NumPy scalars, int, float, bool, str and None)"
    )


def _key(k, where):
    if isinstance(k, str):
        return k
    if isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
        k = int(k)
        if k.bit_length() > _JSON_INT_BITS:
            raise TypeError(f"cannot save {where}: dict key too large")
        return k
    raise TypeError(f"cannot save {where}: dict keys must be str or int, got {type(k).__name__}")


def _is_tensor(obj):
    from .autograd.tensor import Tensor

    return isinstance(obj, Tensor)


# ---- decoding -----------------------------------------------------------------------------------
def _read_manifest(name, raw):
    try:
        header = json.loads(np.asarray(raw, dtype=np.uint8).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{name}: the npgrad manifest is not valid JSON: {e}") from e
    if not isinstance(header, dict) or header.get("format") != FORMAT or "tree" not in header:
        raise CheckpointError(f"{name}: the {MANIFEST!r} entry is not an npgrad manifest")
    version = header.get("version")
    if version != VERSION:
        raise CheckpointError(
            f"{name}: unknown npgrad checkpoint format version {version!r} (this npgrad reads "
            f"version {VERSION}; was it written by a newer npgrad?)"
        )
    return header


def _decode(node, entries):
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if not isinstance(node, dict):
        raise TypeError(f"unexpected node {node!r}")
    t = node["t"]
    if t in ("dict", "odict"):
        keys, values = node["k"], node["v"]
        if len(keys) != len(values):
            raise ValueError("a dict node has different numbers of keys and values")
        pairs = ((k, _decode(v, entries)) for k, v in zip(keys, values))
        return OrderedDict(pairs) if t == "odict" else dict(pairs)
    if t == "list":
        return [_decode(v, entries) for v in node["v"]]
    if t == "tuple":
        return tuple(_decode(v, entries) for v in node["v"])
    if t == "array":
        return entries[node["key"]]
    if t == "scalar":
        return entries[node["key"]][()]
    if t == "int":
        return int(node["hex"], 16)
    raise ValueError(f"unknown node type {t!r}")


