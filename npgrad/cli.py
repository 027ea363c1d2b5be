"""The ``npgrad`` command: the classic demos, and training, evaluating and inspecting MLPs.

    npgrad demo --list
    npgrad demo xor [--out DIR] [--epochs N] [--seed S] [--quiet]
    npgrad train --data mnist-sample --layers 784,100,200,10 --epochs 5 --save model.npz
    npgrad eval model.npz [--data mnist-sample]
    npgrad info model.npz
    npgrad env

``python -m npgrad.cli ...`` is the same. Exit status: 0 on success; 1 when the command could
not do its job (a missing or corrupt model file, a missing data set, training diverged); 2 for
bad command-line arguments. Every error is one line ``npgrad: error: ...`` on stderr (argparse
puts its usage line before the errors it finds itself).

A model saved by ``train --save`` is an ``npgrad.io`` file holding ``{"model": state_dict,
"config": {"layers", "activation", "init", "data", "seed", ...}, "history": ...}``; ``eval``
and ``info`` rebuild the network from the config.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np

EXIT_FAILURE = 1  # the command could not do its job
EXIT_USAGE = 2    # bad arguments (argparse uses 2 as well)

DATASETS = {
    # name: what it is, feature count, classes, and the defaults of `npgrad train --data NAME`
    "mnist": dict(
        help="full MNIST, 50,000 train / 10,000 validation / 10,000 test (in the npgrad cache; "
             "--download fetches it)",
        features=784, classes=10, layers=(784, 100, 200, 10), activation="relu",
        optimizer="sgd", lr=0.1, epochs=25, batch_size=32),
    "mnist-sample": dict(
        help="the real MNIST sample shipped with npgrad (offline): 7,000 / 1,000 / 2,000",
        features=784, classes=10, layers=(784, 100, 200, 10), activation="relu",
        optimizer="sgd", lr=0.1, epochs=25, batch_size=32),
    "xor": dict(help="the XOR truth table (4 points, used for train, validation and test)",
                features=2, classes=2, layers=(2, 3, 1), activation="sigmoid",
                optimizer="sgd", lr=1.0, epochs=2000, batch_size=4),
    "or": dict(help="the OR truth table (4 points, used for train, validation and test)",
               features=2, classes=2, layers=(2, 1), activation="sigmoid",
               optimizer="sgd", lr=1.0, epochs=1000, batch_size=4),
    "quadrants": dict(help="points in [-2, 2]^2, class x1*x2 > 0: 2,000 / 500 / 500",
                      features=2, classes=2, layers=(2, 8, 8, 2), activation="relu",
                      optimizer="adam", lr=0.01, epochs=30, batch_size=32, n=2000),
    "moons": dict(help="two interleaving half circles: 1,000 / 250 / 250",
                  features=2, classes=2, layers=(2, 16, 16, 2), activation="relu",
                  optimizer="adam", lr=0.01, epochs=50, batch_size=32, n=1000),
    "spirals": dict(help="three interleaved spiral arms: 1,500 / 375 / 375",
                    features=2, classes=3, layers=(2, 64, 64, 3), activation="relu",
                    optimizer="adam", lr=0.01, epochs=100, batch_size=32, n=1500),
}
ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh")
OPTIMIZERS = ("sgd", "adam")
SPLITS = ("train", "val", "test")
GET_MNIST = ("run `npgrad train --data mnist --download` (about 11 MB), or put the four MNIST "
             "files into {folder} (or set NPGRAD_DATA), or use --data mnist-sample (offline)")


class UsageError(Exception):
    """Bad arguments that argparse cannot check: exit 2."""


class CommandError(Exception):
    """The command cannot do its job (missing file, missing data): exit 1."""


# ---------------------------------------------------------------- argument types

def _number(convert, what, ok):
    """An argparse type: ``convert(text)``, accepted when ``ok(value)``, else a one-line reason."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value
    return parse


_positive_int = _number(int, "a positive integer", lambda v: v >= 1)
_seed = _number(int, "an integer >= 0", lambda v: v >= 0)
_positive_float = _number(float, "a positive number", lambda v: bool(np.isfinite(v)) and v > 0)


def parse_layers(text):
    """``"784,100,10"`` -> ``[784, 100, 10]``; UsageError unless >= 2 positive integers."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) < 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UsageError(f"--layers must be two or more positive integers separated by commas "
                         f"(e.g. 784,100,10), got {text!r}")
    return [int(p) for p in parts]


# ---------------------------------------------------------------- models

def default_init(activation):
    return "he" if activation in ("relu", "leaky_relu") else "xavier"


def build_model(layers, activation="relu", init=None, seed=0):
    """An MLP: Linear layers with ``activation`` between them and a linear output (logits)."""
    from . import nn

    act = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
    rng = np.random.default_rng(seed)
    init = init or default_init(activation)
    modules = []
    for i, (n_in, n_out) in enumerate(zip(layers[:-1], layers[1:])):
        modules.append(nn.Linear(int(n_in), int(n_out), init=init, seed=rng))
        if i < len(layers) - 2:
            modules.append(act[activation]())
    return nn.Sequential(*modules)


def loss_for(outputs):
    """Binary cross-entropy on one logit, softmax cross-entropy on several."""
    from . import nn

    return nn.BCEWithLogitsLoss() if outputs == 1 else nn.CrossEntropyLoss()


def _check_fit(layers, data):
    """UsageError when the network's input or output width does not fit the data set."""
    spec = DATASETS[data]
    if layers[0] != spec["features"]:
        raise UsageError(f"the first layer has {layers[0]} inputs but {data} has "
                         f"{spec['features']} features per sample")
    if layers[-1] != spec["classes"] and not (layers[-1] == 1 and spec["classes"] == 2):
        need = f"{spec['classes']}" + (" (or 1)" if spec["classes"] == 2 else "")
        raise UsageError(f"the last layer has {layers[-1]} outputs but {data} has "
                         f"{spec['classes']} classes: use {need}")


# ---------------------------------------------------------------- data

def load_data(name, seed=0, download=False):
    """``{"train": (X, y), "val": (X, y), "test": (X, y)}`` with integer labels y (n,)."""
    from . import data as D

    if name == "mnist":
        try:
            X, y, Xv, yv, Xt, yt = D.load_mnist(download=download)
        except FileNotFoundError:
            raise CommandError("full MNIST is not in the cache: "
                               + GET_MNIST.format(folder=D.default_data_dir())) from None
        except (D.MNISTDownloadError, D.MNISTFormatError) as e:
            raise CommandError(f"MNIST: {e}") from None
        return {"train": (X, y), "val": (Xv, yv), "test": (Xt, yt)}
    if name == "mnist-sample":
        X, y, Xt, yt = D.load_mnist_sample()
        cut = len(X) - 1000
        return {"train": (X[:cut], y[:cut]), "val": (X[cut:], y[cut:]), "test": (Xt, yt)}
    if name in ("xor", "or"):
        X, y = (D.xor_gate if name == "xor" else D.or_gate)()
        pair = (X, y[:, 0].astype(np.int64))
        return {"train": pair, "val": pair, "test": pair}
    make = {"quadrants": D.quadrants, "moons": D.two_moons,
            "spirals": D.spirals}[name]
    n = DATASETS[name]["n"]
    sizes = {"train": n, "val": n // 4, "test": n // 4}
    return {split: make(m, seed=np.random.default_rng([seed, k]))
            for k, (split, m) in enumerate(sizes.items())}


def _targets(y, outputs):
    """Labels (n,) as the loss wants them: float (n, 1) for one logit, else int labels."""
    return y.astype(np.float32).reshape(-1, 1) if outputs == 1 else y


# ---------------------------------------------------------------- model files

def read_model(path):
    """``(model, config, saved)`` from a file written by ``train --save``; CommandError if it
    is missing, unreadable or not such a file."""
    from . import io

    try:
        saved = io.load(path)
    except FileNotFoundError:
        raise CommandError(f"model file not found: {path}") from None
    except io.CheckpointError as e:
        raise CommandError(_one_line(str(e))) from None
    except OSError as e:
        raise CommandError(f"cannot read model file {path}: {e.strerror or e}") from None
    config = saved.get("config") if isinstance(saved, dict) else None
    if not isinstance(config, dict) or not isinstance(saved.get("model"), dict):
        raise CommandError(f"{path}: not a model saved by `npgrad train --save` "
                           "(no 'model' and 'config' entries)")
    layers, activation = config.get("layers"), config.get("activation")
    if (not isinstance(layers, (list, tuple)) or len(layers) < 2
            or not all(isinstance(n, int) and n > 0 for n in layers)
            or activation not in ACTIVATIONS):
        raise CommandError(f"{path}: the saved architecture is malformed: layers={layers!r}, "
                           f"activation={activation!r}")
    try:
        model = build_model(layers, activation, config.get("init"), seed=0)
    except (ValueError, TypeError) as e:
        raise CommandError(f"{path}: the saved architecture is malformed: "
                           + _one_line(str(e))) from None
    try:
        model.load_state_dict(saved["model"])
    except (ValueError, TypeError) as e:
        raise CommandError(f"{path}: the weights do not fit the saved architecture: "
                           + _one_line(str(e))) from None
    return model, config, saved


def _one_line(text):
    return " ".join(text.split())


def _arch(layers, activation):
    return f"{'-'.join(map(str, layers))} {activation}"


# ---------------------------------------------------------------- progress for tiny data sets

class _EpochProgress:
    """One bar over the epochs (on a terminal) or a line every tenth of the run: for data sets
    of a few batches, where a bar per epoch would be thousands of bars."""

    def __init__(self, epochs, file=None):
        self.epochs = epochs
        self.file = file if file is not None else sys.stdout
        self.bar = None
        isatty = getattr(self.file, "isatty", None)
        if isatty is not None and isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=epochs, desc="training", unit="epoch", file=self.file,
                            dynamic_ncols=True)
        self.every = max(1, epochs // 10)

    def on_epoch_end(self, epoch, logs):
        from .train.progress import format_logs

        if self.bar is not None:
            self.bar.update(1)
            if (epoch + 1) % self.every == 0 or epoch + 1 == self.epochs:
                self.bar.set_postfix_str(format_logs(logs), refresh=False)
        elif (epoch + 1) % self.every == 0 or epoch + 1 == self.epochs:
            print(f"Epoch {epoch + 1}/{self.epochs} - {format_logs(logs)}", file=self.file,
                  flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# ---------------------------------------------------------------- commands

def cmd_demo(args):
    from . import demos

    if args.list:
        for name in demos.names():
            print(f"{name:<11} {demos.describe(name)}")
        return 0
    if args.name is None:
        raise UsageError("name a demo: npgrad demo NAME (npgrad demo --list shows them)")
    kwargs = {"seed": args.seed, "quiet": args.quiet,
              "out": None if args.no_plots else (args.out or os.path.join("runs", args.name))}
    if args.epochs is not None:
        kwargs["epochs"] = args.epochs
    demos.run(args.name, **kwargs)
    return 0


def cmd_train(args):
    from . import optim
    from .train import CSVLogger, TrainingDivergedError, evaluate, fit

    spec = DATASETS[args.data]
    layers = parse_layers(args.layers) if args.layers is not None else list(spec["layers"])
    _check_fit(layers, args.data)
    activation = args.activation or spec["activation"]
    init = args.init or default_init(activation)
    opt_name = args.optimizer or spec["optimizer"]
    lr = args.lr if args.lr is not None else spec["lr"]
    epochs = args.epochs or spec["epochs"]
    batch_size = args.batch_size or spec["batch_size"]
    out = Path(args.out)

    data = load_data(args.data, args.seed, args.download)
    (X, y), (Xv, yv), (Xt, yt) = data["train"], data["val"], data["test"]
    outputs = layers[-1]
    model = build_model(layers, activation, init, seed=np.random.default_rng([args.seed, 10]))
    loss_fn = loss_for(outputs)
    opt_cls = {"sgd": optim.SGD, "adam": optim.Adam}[opt_name]
    optimizer = opt_cls(model.parameters(), lr=lr)
    say = (lambda s: None) if args.quiet else print
    say(f"data: {args.data}, {len(X):,} train / {len(Xv):,} validation / {len(Xt):,} test")
    say(f"model: {_arch(layers, activation)} ({init} init), {model.num_parameters():,} parameters;"
        f" {opt_name} lr={lr:g}, batch {batch_size}, {epochs} epochs")

    steps = -(-len(X) // batch_size)
    callbacks = [CSVLogger(out / "history.csv")]
    small = None
    if args.quiet:
        progress = False
    elif steps >= 20:
        progress = True
    else:
        progress, small = False, _EpochProgress(epochs)
        callbacks.append(small)
    order_seed = int(np.random.default_rng([args.seed, 11]).integers(2**31))
    try:
        history = fit(model, loss_fn, optimizer, X, _targets(y, outputs), epochs=epochs,
                      batch_size=batch_size, validation_data=(Xv, _targets(yv, outputs)),
                      callbacks=callbacks, seed=order_seed, progress=progress,
                      validation_batch_size=max(batch_size, 1000))
    except TrainingDivergedError as e:
        raise CommandError(_one_line(str(e))) from None
    finally:
        if small is not None:
            small.close()
    test = evaluate(model, loss_fn, Xt, _targets(yt, outputs), batch_size=1000)
    print(f"test loss: {test['loss']:.4f}")
    print(f"test accuracy: {test['accuracy']:.2%}")
    print(f"history: {out / 'history.csv'}")
    if args.save:
        from . import io

        config = {"layers": layers, "activation": activation, "init": init, "data": args.data,
                  "seed": args.seed, "optimizer": opt_name, "lr": float(lr),
                  "batch_size": batch_size, "epochs": epochs}
        try:
            io.save({"model": model.state_dict(), "config": config,
                     "history": history.state_dict()}, args.save)
        except OSError as e:
            raise CommandError(f"cannot write {args.save}: {e.strerror or e}") from None
        print(f"saved model: {args.save}")
    try:
        from .viz import plot_history

        path = plot_history(history, out / "curves.png",
                            title=f"{args.data}: {_arch(layers, activation)}")
        print(f"curves: {path}")
    except ImportError as e:
        print(f"plots skipped: {e}")
    return 0


def cmd_eval(args):
    from .train import evaluate

    model, config, _ = read_model(args.model)
    data_name = args.data or config.get("data")
    if data_name not in DATASETS:
        raise UsageError(f"{args.model} does not say which data set it was trained on; "
                         f"pass --data ({', '.join(DATASETS)})")
    layers = list(config["layers"])
    try:
        _check_fit(layers, data_name)
    except UsageError as e:
        raise UsageError(f"the model in {args.model} ({_arch(layers, config['activation'])}) "
                         f"does not fit {data_name}: {e}") from None
    seed = args.seed if args.seed is not None else int(config.get("seed", 0))
    X, y = load_data(data_name, seed, args.download)[args.split]
    result = evaluate(model, loss_for(layers[-1]), X, _targets(y, layers[-1]), batch_size=1000)
    print(f"model: {args.model} ({_arch(layers, config['activation'])})")
    print(f"data: {data_name} {args.split} split, {len(X):,} samples")
    print(f"loss: {result['loss']:.4f}")
    print(f"accuracy: {result['accuracy']:.2%}")
    return 0


def cmd_info(args):
    model, config, saved = read_model(args.model)
    print(f"model: {args.model}")
    print(f"layers: {'-'.join(map(str, config['layers']))}")
    output = ("one logit (binary cross-entropy)" if config["layers"][-1] == 1
              else "class scores (softmax cross-entropy)")
    print(f"activation: {config['activation']}  init: {config.get('init', '?')}  output: {output}")
    if "data" in config:
        print(f"trained on: {config['data']} ({config.get('optimizer', '?')} "
              f"lr={config.get('lr', '?')}, batch {config.get('batch_size', '?')}, "
              f"{config.get('epochs', '?')} epochs, seed {config.get('seed', '?')})")
    history = saved.get("history")
    if isinstance(history, dict) and isinstance(history.get("history"), dict):
        last = {k: v[-1] for k, v in history["history"].items() if isinstance(v, list) and v}
        if last:
            shown = "  ".join(f"{k}: {v:.4f}" for k, v in last.items())
            print(f"last epoch: {shown}")
    print(model)
    print(f"parameters: {model.num_parameters():,}")
    return 0


def cmd_env(args):
    from . import env
    for line in env.report():
        print(line)
    return 0


# ---------------------------------------------------------------- parser

def build_parser():
    from . import __version__
    from .nn import init as initializers

    parser = argparse.ArgumentParser(
        prog="npgrad",
        description="npgrad: deep learning on NumPy alone. Run the classic experiments, train "
                    "an MLP on a data set, evaluate or inspect a saved model.",
        epilog="exit status: 0 success, 1 the command failed (missing or corrupt model file, "
               "missing data set, training diverged), 2 bad arguments.")
    parser.add_argument("--version", action="version", version=f"npgrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from . import demos

    demo_list = "\n".join(f"  {n:<11} {demos.describe(n)}" for n in demos.names())
    p = sub.add_parser(
        "demo", help="run a classic experiment (npgrad demo --list)",
        description="Run a classic experiment: print its headline figures and save its plots "
                    "(PNG, with the plot extra) into --out.",
        epilog="demos:\n" + demo_list, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", choices=demos.names(), metavar="NAME",
                   help="the demo to run: " + ", ".join(demos.names()))
    p.add_argument("--list", action="store_true", help="list the demos, one per line")
    p.add_argument("--out", metavar="DIR", help="folder for the plots (default runs/NAME)")
    p.add_argument("--no-plots", action="store_true", help="draw no plots")
    p.add_argument("--epochs", type=_positive_int, metavar="N",
                   help="epochs (steps for zeros) instead of the demo's default")
    p.add_argument("--seed", type=_seed, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bars or per-epoch lines; the headline figures still print")
    p.set_defaults(func=cmd_demo)

    data_help = "\n".join(f"  {k:<13} {v['help']}; default --layers "
                          f"{','.join(map(str, v['layers']))}" for k, v in DATASETS.items())
    p = sub.add_parser(
        "train", help="train an MLP on a data set",
        description="Train an MLP (Linear layers, the activation between them, a linear output) "
                    "with softmax cross-entropy (binary cross-entropy for one output). Shows "
                    "progress, writes OUT/history.csv and OUT/curves.png, prints the test "
                    "accuracy. Options left out take the data set's defaults.",
        epilog="data sets:\n" + data_help, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, choices=list(DATASETS), metavar="NAME",
                   help="one of " + ", ".join(DATASETS))
    p.add_argument("--layers", metavar="N,N,...", help="layer widths, e.g. 784,100,200,10")
    p.add_argument("--activation", choices=ACTIVATIONS, help="between the layers")
    p.add_argument("--init", choices=sorted(initializers.INITIALIZERS), metavar="NAME",
                   help="weight init: he, xavier, plain, lecun, ... (default: he for relu and "
                        "leaky_relu, else xavier)")
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--lr", type=_positive_float, metavar="LR", help="learning rate")
    p.add_argument("--epochs", type=_positive_int, metavar="N")
    p.add_argument("--batch-size", type=_positive_int, metavar="N")
    p.add_argument("--seed", type=_seed, default=0, metavar="S",
                   help="seeds the data, the init and the batch order (default 0)")
    p.add_argument("--save", metavar="FILE", help="save the model (weights and architecture)")
    p.add_argument("--out", default=os.path.join("runs", "train"), metavar="DIR",
                   help="folder for history.csv and curves.png (default runs/train)")
    p.add_argument("--download", action="store_true", help="download full MNIST if missing")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("eval", help="loss and accuracy of a saved model",
                       description="Print the loss and accuracy of a model saved by "
                                   "`npgrad train --save` on a split of a data set.")
    p.add_argument("model", metavar="MODEL", help="a .npz file from npgrad train --save")
    p.add_argument("--data", choices=list(DATASETS), metavar="NAME",
                   help="data set (default: the one it was trained on)")
    p.add_argument("--split", choices=SPLITS, default="test", help="default: test")
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="data seed for generated data sets (default: the training seed)")
    p.add_argument("--download", action="store_true", help="download full MNIST if missing")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("info", help="architecture and parameter count of a saved model",
                       description="Print the architecture, training settings and parameter "
                                   "count of a model saved by `npgrad train --save`.")
    p.add_argument("model", metavar="MODEL", help="a .npz file from npgrad train --save")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("env", help="versions, BLAS kernels and threads npgrad runs with",
                       description="Print the versions, the BLAS library and kernels NumPy uses, "
                                   "the thread settings and the allocator tuning, with a warning for "
                                   "settings that slow training down.")
    p.set_defaults(func=cmd_env)
    return parser


def main(argv=None):
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help / --version (0) and argparse's usage errors (2)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else EXIT_USAGE)
    try:
        return args.func(args)
    except UsageError as e:
        print(f"npgrad: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as e:
        print(f"npgrad: error: {e}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("npgrad: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
