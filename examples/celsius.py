"""The scalar engine fits Celsius = w*F + b and prints the learned formula.

    python examples/celsius.py [--out DIR] [--epochs N] [--seed S] [--quiet]

is ``npgrad demo celsius``; the experiment's code is ``npgrad/demos/celsius.py``
(``npgrad.demos.celsius.run(...)`` returns its headline figures as a dict).
"""
import sys

from npgrad.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "celsius", *sys.argv[1:]]))
