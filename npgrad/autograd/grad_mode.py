"""Switching graph recording off and on: ``no_grad()`` / ``enable_grad()``."""
import functools


class _GradState:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


STATE = _GradState()


def is_grad_enabled():
    """True when ops record a graph for ``backward()``."""
    return STATE.enabled


class _GradMode:
    """Context manager and decorator that sets graph recording to ``self._mode``."""

    _mode = True

    def __enter__(self):
        self._prev = STATE.enabled
        STATE.enabled = self._mode
        return self

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = STATE.enabled
            STATE.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.enabled = prev

        return wrapper


class no_grad(_GradMode):
    """Record no graph inside: ``with npgrad.no_grad(): ...`` or ``@npgrad.no_grad()``."""

    _mode = False


class enable_grad(_GradMode):
    """Record the graph again inside a ``no_grad`` block."""

    _mode = True
