"""The scalar engine classifies points above the line y = x and prints the network as a formula.

    python examples/above_line.py [--out DIR] [--epochs N] [--seed S] [--quiet]

is ``npgrad demo above-line``; the experiment's code is ``npgrad/demos/above_line.py``
(``npgrad.demos.above_line.run(...)`` returns its headline figures as a dict).
"""
import sys

from npgrad.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "above-line", *sys.argv[1:]]))
