"""The smallest reverse-mode tensor autograd a careful person writes in Python: micrograd's design
(each op's backward a closure, a topological sort, a loop) on ndarrays, with only the three ops of
the per-op chain. ``bench_ops.py`` times it beside npgrad and PyTorch as the floor of a pure-Python
engine: no dtype rules, no broadcasting, no error checks, no graph freeing, no grad mode.

Constants (``requires_grad=False``) get no gradient and record nothing.
"""
import numpy as np


class Value:
    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward")

    def __init__(self, data, requires_grad=False, parents=(), backward=None):
        self.data, self.grad, self.requires_grad = data, None, requires_grad
        self._parents, self._backward = parents, backward

    def __add__(self, other):
        def backward(g):
            return g, g
        return self._record(self.data + other.data, (self, other), backward)

    def __mul__(self, other):
        a, b = self.data, other.data

        def backward(g):
            return g * b, g * a
        return self._record(a * b, (self, other), backward)

    def tanh(self):
        y = np.tanh(self.data)

        def backward(g):
            return (g - g * y * y,)  # the same array math as npgrad's Tanh
        return self._record(y, (self,), backward)

    def sum(self):
        shape = self.data.shape

        def backward(g):
            return (np.broadcast_to(g, shape),)
        return self._record(np.asarray(self.data.sum()), (self,), backward)

    @staticmethod
    def _record(data, parents, backward):
        if any(p.requires_grad for p in parents):
            return Value(data, True, parents, backward)
        return Value(data)

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # iterative depth-first topological sort (chains are deeper than the C stack)
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((p, False) for p in v._parents if p.requires_grad)
        self.grad = np.ones_like(self.data)
        for v in reversed(order):
            if v._backward is None:
                continue
            for p, g in zip(v._parents, v._backward(v.grad)):
                if p.requires_grad:
                    p.grad = g if p.grad is None else p.grad + g
