"""The cartoon network: a sigmoid MLP 10-60-140-50-10-1 in the column-vector form (W @ x),
trained per sample on random targets; the per-epoch loss falls.

    python examples/cartoon.py [--out DIR] [--epochs N] [--seed S] [--quiet]

is ``npgrad demo cartoon``; the experiment's code is ``npgrad/demos/cartoon.py``
(``npgrad.demos.cartoon.run(...)`` returns its headline figures as a dict).
"""
import sys

from npgrad.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "cartoon", *sys.argv[1:]]))
