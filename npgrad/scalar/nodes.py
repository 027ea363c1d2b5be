"""Scalar nodes: leaves and elementary operations.

Every operation is a small class whose ``forward`` computes ``self.value`` from the children's
values and whose ``backward`` pushes ``self.grad`` times the local derivative into each child's
``grad`` (the chain rule), written side by side. Nodes only point at their children (never at
their parents), so a graph holds no reference cycles and Python's cyclic GC never has to scan it.
"""
from __future__ import annotations

import math
from itertools import count
from numbers import Real

import numpy as np

__all__ = [
    "Node", "Leaf", "Input", "Parameter", "Constant", "Op", "Add", "Multiply", "Sub", "Div", "Pow",
    "Neg", "ReLU", "Sigmoid", "Tanh", "Exp", "Log", "VectorNode", "Softmax", "Item", "as_generator",
]

_serial = count()  # creation order of leaves: the documented order of inputs and parameters


def as_generator(seed=None) -> np.random.Generator:
    """A NumPy Generator from an int seed, a Generator (returned as is) or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _is_number(x) -> bool:
    return isinstance(x, Real)


def _lift(x, where: str) -> "Node":
    """A child for an operation: nodes pass through, Python/NumPy numbers become Constants."""
    if isinstance(x, VectorNode):
        raise TypeError(f"{where}: {type(x).__name__} produces a vector of {x.size} values; "
                        f"index it (e.g. s[0]) to use one of them")
    if isinstance(x, Node):
        return x
    if _is_number(x):
        return Constant(x)
    raise TypeError(f"{where}: children must be nodes or numbers, got {type(x).__name__} {x!r}")


class Node:
    """A scalar node. ``value`` is set by the last forward pass, ``grad`` by the last backward."""

    __slots__ = ("children", "value", "grad", "name")
    op = "?"                 # short label for to_dot
    __array_ufunc__ = None   # `np.float64(2) * node` defers to Node.__rmul__ instead of NumPy

    def __init__(self, children: tuple = (), name: str | None = None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None, got {type(name).__name__}")
        self.children = children
        self.value = None
        self.grad = 0.0
        self.name = name

    # -- operator overloading: the second way to build the same graphs ------------------------
    def __add__(self, other):
        return Add([self, other]) if _operand(other) else NotImplemented

    def __radd__(self, other):
        return Add([other, self]) if _operand(other) else NotImplemented

    def __sub__(self, other):
        return Sub(self, other) if _operand(other) else NotImplemented

    def __rsub__(self, other):
        return Sub(other, self) if _operand(other) else NotImplemented

    def __mul__(self, other):
        return Multiply([self, other]) if _operand(other) else NotImplemented

    def __rmul__(self, other):
        return Multiply([other, self]) if _operand(other) else NotImplemented

    def __truediv__(self, other):
        return Div(self, other) if _operand(other) else NotImplemented

    def __rtruediv__(self, other):
        return Div(other, self) if _operand(other) else NotImplemented

    def __pow__(self, exponent):
        if isinstance(exponent, Node) and not isinstance(exponent, Constant):
            raise TypeError("Pow needs a constant exponent; for x**y write Exp(y * Log(x))")
        return Pow(self, exponent) if _operand(exponent) else NotImplemented

    def __rpow__(self, base):
        # base ** x = exp(x * log(base)), defined for a positive constant base
        if not _is_number(base):
            return NotImplemented
        if not base > 0:
            raise ValueError(f"{base!r} ** node needs a positive base")
        return Exp(Multiply([Constant(math.log(base)), self]))

    def __neg__(self):
        return Neg(self)

    def __pos__(self):
        return self

    def relu(self):
        return ReLU(self)

    def sigmoid(self):
        return Sigmoid(self)

    def tanh(self):
        return Tanh(self)

    def exp(self):
        return Exp(self)

    def log(self):
        return Log(self)

    def __repr__(self):
        label = f"{self.name!r}, " if self.name else ""
        return f"{type(self).__name__}({label}value={self.value!r}, grad={self.grad!r})"


def _operand(x) -> bool:
    return isinstance(x, Node) or _is_number(x)


# ---------------------------------------------------------------------------------------------
# Leaves
# ---------------------------------------------------------------------------------------------
class Leaf(Node):
    """A node without children. ``serial`` records creation order (inputs/parameters are ordered by it)."""

    __slots__ = ("serial",)

    def __init__(self, value, name=None):
        super().__init__((), name)
        self.value = value
        self.serial = next(_serial)

    def forward(self):
        pass

    def backward(self):
        pass


class Input(Leaf):
    """A value given per prediction (``model.predict``), e.g. ``Input("x1")``."""

    __slots__ = ()
    op = "input"

    def __init__(self, name: str | None = None):
        super().__init__(None, name)


class Parameter(Leaf):
    """A trainable value: ``value`` if given, else uniform(-1, 1) drawn from ``seed`` (int or Generator)."""

    __slots__ = ()
    op = "param"

    def __init__(self, value=None, name: str | None = None, seed=None):
        if value is None:
            value = as_generator(seed).uniform(-1.0, 1.0)
        elif not _is_number(value):
            raise TypeError(f"Parameter value must be a number, got {type(value).__name__} {value!r}")
        super().__init__(float(value), name)


class Constant(Leaf):
    """A fixed number."""

    __slots__ = ()
    op = "const"

    def __init__(self, value, name: str | None = None):
        if isinstance(value, Constant):
            value = value.value
        if not _is_number(value):
            raise TypeError(f"Constant value must be a number, got {type(value).__name__} {value!r}")
        super().__init__(float(value), name)


# ---------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------
class Op(Node):
    """An operation. ``arity`` is the exact number of children (None: one or more)."""

    __slots__ = ()
    arity: int | None = None

    def __init__(self, children, name=None):
        cls = type(self).__name__
        if isinstance(children, (Node, Real)):
            children = (children,)
        elif not isinstance(children, (list, tuple)):
            raise TypeError(f"{cls}: children must be a list of nodes (or a single node), "
                            f"got {type(children).__name__}")
        kids = tuple([_lift(c, cls) for c in children])
        if self.arity is None and not kids:
            raise ValueError(f"{cls} needs at least one child")
        if self.arity is not None and len(kids) != self.arity:
            raise ValueError(f"{cls} takes exactly {self.arity} child{'ren' if self.arity > 1 else ''}, "
                             f"got {len(kids)}")
        super().__init__(kids, name)


def _two(a, b, cls):
    """Children of a binary op given as ``Op([a, b])`` or ``Op(a, b)``."""
    if b is None:
        if isinstance(a, (list, tuple)):
            return a
        raise TypeError(f"{cls} takes two children: {cls}([a, b]) or {cls}(a, b)")
    return [a, b]


class Add(Op):
    """Sum of any number of children (left to right)."""

    __slots__ = ()
    op = "+"

    def forward(self):
        it = iter(self.children)
        s = next(it).value
        for c in it:
            s = s + c.value
        self.value = s

    def backward(self):  # d(a + b + ...)/da = 1
        g = self.grad
        for c in self.children:
            c.grad += g


class Multiply(Op):
    """Product of any number of children (left to right)."""

    __slots__ = ()
    op = "*"

    def forward(self):
        it = iter(self.children)
        p = next(it).value
        for c in it:
            p = p * c.value
        self.value = p

    def backward(self):  # d(a*b*...)/da = product of the other children
        ch, g = self.children, self.grad
        if len(ch) == 2:
            a, b = ch
            a.grad += b.value * g
            b.grad += a.value * g
            return
        vals = [c.value for c in ch]
        for i, c in enumerate(ch):
            others = 1.0
            for j, v in enumerate(vals):
                if j != i:
                    others = others * v
            c.grad += others * g


class Sub(Op):
    """a - b."""

    __slots__ = ()
    op = "-"
    arity = 2

    def __init__(self, a, b=None, name=None):
        super().__init__(_two(a, b, "Sub"), name)

    def forward(self):
        a, b = self.children
        self.value = a.value - b.value

    def backward(self):  # d/da = 1, d/db = -1
        a, b = self.children
        g = self.grad
        a.grad += g
        b.grad += -g


class Div(Op):
    """a / b."""

    __slots__ = ()
    op = "/"
    arity = 2

    def __init__(self, a, b=None, name=None):
        super().__init__(_two(a, b, "Div"), name)

    def forward(self):
        a, b = self.children
        self.value = a.value / b.value

    def backward(self):  # d/da = 1/b, d/db = -a/b**2 = -out/b
        a, b = self.children
        g = self.grad
        a.grad += g / b.value
        b.grad += -g * self.value / b.value


class Pow(Op):
    """a ** k for a constant exponent k: ``Pow(a, 3)`` or ``Pow([a], 3)``."""

    __slots__ = ("exponent",)
    op = "**"
    arity = 1

    def __init__(self, a, exponent=None, name=None):
        if exponent is None and isinstance(a, (list, tuple)) and len(a) == 2:
            a, exponent = a[0], a[1]
        if isinstance(exponent, Constant):
            exponent = exponent.value
        if isinstance(exponent, Node):
            raise TypeError("Pow needs a constant exponent; for x**y write Exp(y * Log(x))")
        if not _is_number(exponent):
            raise TypeError(f"Pow exponent must be a number, got {exponent!r}")
        exponent = float(exponent)
        if not math.isfinite(exponent):
            raise ValueError(f"Pow exponent must be finite, got {exponent!r}")
        super().__init__(a, name)
        self.exponent = exponent

    def forward(self):
        a, k = self.children[0].value, self.exponent
        self.value = a * a if k == 2.0 else math.pow(a, k)

    def backward(self):  # d(a**k)/da = k * a**(k-1)
        a, k = self.children[0], self.exponent
        if k == 2.0:
            a.grad += 2.0 * a.value * self.grad
        else:
            a.grad += k * math.pow(a.value, k - 1.0) * self.grad


class Neg(Op):
    """-a."""

    __slots__ = ()
    op = "neg"
    arity = 1

    def forward(self):
        self.value = -self.children[0].value

    def backward(self):  # d(-a)/da = -1
        self.children[0].grad += -self.grad


class ReLU(Op):
    """max(a, 0)."""

    __slots__ = ()
    op = "relu"
    arity = 1

    def forward(self):
        a = self.children[0].value
        self.value = a if a > 0.0 else 0.0

    def backward(self):  # 1 where a > 0, else 0
        a = self.children[0]
        a.grad += self.grad if a.value > 0.0 else 0.0


class Sigmoid(Op):
    """1 / (1 + exp(-a)), computed without overflow for large |a|."""

    __slots__ = ()
    op = "sigmoid"
    arity = 1

    def forward(self):
        a = self.children[0].value
        e = math.exp(-abs(a))  # in (0, 1]: never overflows
        self.value = 1.0 / (1.0 + e) if a >= 0.0 else e / (1.0 + e)

    def backward(self):  # s * (1 - s)
        s = self.value
        self.children[0].grad += s * (1.0 - s) * self.grad


class Tanh(Op):
    """tanh(a)."""

    __slots__ = ()
    op = "tanh"
    arity = 1

    def forward(self):
        self.value = math.tanh(self.children[0].value)

    def backward(self):  # 1 - tanh**2
        t = self.value
        self.children[0].grad += (1.0 - t * t) * self.grad


class Exp(Op):
    """exp(a)."""

    __slots__ = ()
    op = "exp"
    arity = 1

    def forward(self):
        self.value = math.exp(self.children[0].value)

    def backward(self):  # exp(a)
        self.children[0].grad += self.value * self.grad


class Log(Op):
    """Natural logarithm of a (a > 0)."""

    __slots__ = ()
    op = "log"
    arity = 1

    def forward(self):
        self.value = math.log(self.children[0].value)

    def backward(self):  # 1/a
        a = self.children[0]
        a.grad += self.grad / a.value


# ---------------------------------------------------------------------------------------------
# Vector outputs
# ---------------------------------------------------------------------------------------------
class VectorNode(Op):
    """An operation whose value is a tuple of floats and whose grad is a list, one per component.

    Index it (``s[k]``, or unpack it) to get scalar ``Item`` nodes usable anywhere.
    """

    __slots__ = ()

    @property
    def size(self) -> int:
        return len(self.children)

    def __len__(self):
        return self.size

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [Item(self, i) for i in range(self.size)[k]]
        return Item(self, k)

    def __iter__(self):
        return iter([Item(self, i) for i in range(self.size)])

    def zero_grad(self):
        self.grad = [0.0] * self.size


class Softmax(VectorNode):
    """softmax(a_1, ..., a_n): exp(a_k - max) / sum_j exp(a_j - max)."""

    __slots__ = ()
    op = "softmax"

    def __init__(self, children, name=None):
        super().__init__(children, name)
        self.grad = [0.0] * len(self.children)

    def forward(self):
        vals = [c.value for c in self.children]
        m = max(vals)  # shifting by the max changes nothing mathematically and avoids overflow
        e = [math.exp(v - m) for v in vals]
        s = 0.0
        for x in e:
            s = s + x
        self.value = tuple([x / s for x in e])

    def backward(self):  # dp_k/da_j = p_k (δ_kj - p_j)  =>  da_j = p_j (g_j - Σ_k g_k p_k)
        p, g = self.value, self.grad
        dot = 0.0
        for gk, pk in zip(g, p):
            dot = dot + gk * pk
        for c, pj, gj in zip(self.children, p, g):
            c.grad += pj * (gj - dot)


class Item(Op):
    """Component ``index`` of a vector node."""

    __slots__ = ("index",)
    op = "item"
    arity = 1

    def __init__(self, vector, index: int, name=None):
        if not isinstance(vector, VectorNode):
            raise TypeError(f"Item needs a vector node such as Softmax, got {type(vector).__name__}")
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"Item index must be an int, got {index!r}")
        index = int(index)
        if not -vector.size <= index < vector.size:
            raise IndexError(f"index {index} out of range for a vector of {vector.size} values")
        Node.__init__(self, (vector,), name)
        self.index = index % vector.size

    def forward(self):
        self.value = self.children[0].value[self.index]

    def backward(self):
        self.children[0].grad[self.index] += self.grad
