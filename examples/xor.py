"""XOR two ways: one neuron with the feature cross x1*x2, and a 2-3-1 sigmoid network: 100%.

    python examples/xor.py [--out DIR] [--epochs N] [--seed S] [--quiet]

is ``npgrad demo xor``; the experiment's code is ``npgrad/demos/xor.py``
(``npgrad.demos.xor.run(...)`` returns its headline figures as a dict).
"""
import sys

from npgrad.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "xor", *sys.argv[1:]]))
