"""One sigmoid neuron learns OR (half squared error, lr=1, from w=(0.1, 0.6), b=0): the first
steps' cost and gradients, the cost curve and the decision regions.

    python examples/or_gate.py [--out DIR] [--epochs N] [--seed S] [--quiet]

is ``npgrad demo or``; the experiment's code is ``npgrad/demos/or_gate.py``
(``npgrad.demos.or_gate.run(...)`` returns its headline figures as a dict).
"""
import sys

from npgrad.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "or", *sys.argv[1:]]))
