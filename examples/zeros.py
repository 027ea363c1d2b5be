"""A 2-4-4-3 LeakyReLU network taught to output zeros: the summed loss over 100 samples
before and after 10,000 SGD steps.

    python examples/zeros.py [--out DIR] [--epochs N] [--seed S] [--quiet]

is ``npgrad demo zeros``; the experiment's code is ``npgrad/demos/zeros.py``
(``npgrad.demos.zeros.run(...)`` returns its headline figures as a dict).
"""
import sys

from npgrad.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "zeros", *sys.argv[1:]]))
