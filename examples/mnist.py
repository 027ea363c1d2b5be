"""MNIST with a 784-100-200-10 ReLU network, SGD lr=0.1, batch 32, 25 epochs (full MNIST when
cached, else the shipped sample): accuracy per epoch, curves, test accuracy.

    python examples/mnist.py [--out DIR] [--epochs N] [--seed S] [--quiet]

is ``npgrad demo mnist``; the experiment's code is ``npgrad/demos/mnist.py``
(``npgrad.demos.mnist.run(...)`` returns its headline figures as a dict).
"""
import sys

from npgrad.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", "mnist", *sys.argv[1:]]))
