"""Quadrants (x1*x2 > 0) with a 2-3-2 LeakyReLU network, MSE, per-sample SGD over 100,000
points: accuracy on 1,000 held-out points before and after, decision regions.

    python examples/quadrants.py [--out DIR] [--epochs N] [--seed S] [--quiet]

is ``npgrad demo quadrants``; the experiment's code is ``npgrad/demos/quadrants.py``
(``npgrad.demos.quadrants.run(...)`` returns its headline figures as a dict).
"""
import sys

from npgrad.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "quadrants", *sys.argv[1:]]))
