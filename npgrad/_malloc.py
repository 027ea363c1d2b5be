"""Keep freed array memory in the process heap (glibc only).

A training step allocates and frees the same large temporaries (a minibatch, activations,
gradients) every batch. With glibc's default thresholds the heap top is trimmed back to the
operating system after each batch and refaulted page by page in the next one, which costs a
training loop up to a third of its time. Raising ``M_TRIM_THRESHOLD`` and ``M_MMAP_THRESHOLD``
keeps that memory in the heap for reuse; peak memory is unchanged. Set ``NPGRAD_MALLOC_TUNING=0``
to leave the allocator alone.
"""
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
TRIM_BYTES = 1 << 30   # return heap memory to the OS only above 1 GiB of free top chunk
MMAP_BYTES = 32 << 20  # arrays below 32 MiB come from the heap (glibc's own dynamic maximum)

applied = False


def tune():
    """Apply the thresholds once; returns True when they were set."""
    global applied
    if applied or os.environ.get("NPGRAD_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return applied
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_BYTES)) & bool(mallopt(M_TRIM_THRESHOLD, TRIM_BYTES))
    return applied
