"""Atomic file writes: write to a temporary sibling, then rename it over the target.

A crash or an error at any point leaves an existing file at the target as it was and no temporary
file behind. Used by checkpoints (``npgrad.save``), MNIST downloads and plots.
"""
import os
import secrets
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path):
    """Yield a fresh temporary path next to ``path``; when the block completes, flush it to disk
    and rename it over ``path``. If the block raises, the temporary file is removed.

    The temporary file gets the usual umask permissions (unlike ``tempfile.mkstemp``'s 0600).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)  # the data on disk before the rename (errors propagate)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX); best effort where folders cannot be synced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
