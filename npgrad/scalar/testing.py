"""Random expressions for exercises and tests.

A *recipe* is a list of ``(op, argument indices)`` steps over a list of leaves; ``build_recipe``
replays it with any set of operations (scalar nodes here, tensors or plain floats elsewhere), so
the same random math can be checked against central differences or another autograd engine.
Every op is safe on all real inputs (denominators and logarithms get ``b*b + 1``).
"""
from __future__ import annotations

from .nodes import (
    Add, Constant, Div, Exp, Log, Multiply, Neg, Pow, ReLU, Sigmoid, Sub, Tanh, as_generator,
)

__all__ = ["RECIPE_OPS", "ARITY", "SCALAR_OPS", "random_recipe", "build_recipe"]

ARITY = {
    "add": 2, "add3": 3, "mul": 2, "mul3": 3, "sub": 2, "div": 2, "square": 1, "cube": 1,
    "sqrt1p2": 1, "neg": 1, "relu": 1, "sigmoid": 1, "tanh": 1, "exp": 1, "log1p2": 1,
}
RECIPE_OPS = tuple(ARITY)


def _one_plus_square(a):
    return Add([Multiply([a, a]), Constant(1.0)])


# the recipe ops as elementary scalar nodes (explicit construction, children in lists)
SCALAR_OPS = {
    "add": lambda a, b: Add([a, b]),
    "add3": lambda a, b, c: Add([a, b, c]),
    "mul": lambda a, b: Multiply([a, b]),
    "mul3": lambda a, b, c: Multiply([a, b, c]),
    "sub": lambda a, b: Sub([a, b]),
    "div": lambda a, b: Div([a, _one_plus_square(b)]),
    "square": lambda a: Pow([a], 2),
    "cube": lambda a: Pow([a], 3),
    "sqrt1p2": lambda a: Pow([_one_plus_square(a)], 0.5),
    "neg": lambda a: Neg([a]),
    "relu": lambda a: ReLU([a]),
    "sigmoid": lambda a: Sigmoid([a]),
    "tanh": lambda a: Tanh([a]),
    "exp": lambda a: Exp([a]),
    "log1p2": lambda a: Log([_one_plus_square(a)]),
}


def random_recipe(n_leaves: int, n_ops: int = 10, seed=None, ops=RECIPE_OPS) -> list[tuple]:
    """``n_ops`` random steps over ``n_leaves`` leaves. Arguments favour recent results, so the
    expressions are deep, and reuse earlier ones, so they are DAGs with shared subexpressions."""
    rng = as_generator(seed)
    recipe = []
    for k in range(n_ops):
        op = ops[int(rng.integers(len(ops)))]
        avail = n_leaves + k
        args = []
        for _ in range(ARITY[op]):
            lo = max(0, avail - 3) if rng.random() < 0.6 else 0
            args.append(int(rng.integers(lo, avail)))
        recipe.append((op, tuple(args)))
    return recipe


def build_recipe(recipe, leaves, ops=None):
    """Replay a recipe over ``leaves`` with ``ops`` (op name -> function); returns every value
    (leaves first, the recipe's result last)."""
    ops = SCALAR_OPS if ops is None else ops
    vals = list(leaves)
    for op, args in recipe:
        vals.append(ops[op](*[vals[i] for i in args]))
    return vals
