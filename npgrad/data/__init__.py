"""Data sets: synthetic toy problems (:mod:`npgrad.data.datasets`) and MNIST
(:mod:`npgrad.data.mnist`), and the minibatch ``DataLoader``."""
from .datasets import (
    above_line,
    and_gate,
    fahrenheit_celsius,
    feature_cross,
    one_hot,
    or_gate,
    quadrants,
    random_regression,
    spirals,
    two_moons,
    xor_gate,
)
from .mnist import (
    MNISTDownloadError,
    MNISTFormatError,
    default_data_dir,
    download_mnist,
    load_mnist,
    load_mnist_sample,
    read_idx,
)
from .loader import DataLoader
