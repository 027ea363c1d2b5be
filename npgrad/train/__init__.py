"""Training: ``fit`` / ``evaluate`` / ``predict``, ``History``, callbacks, metrics, checkpoints.

    from npgrad import nn, optim, train
    history = train.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                        X, y, epochs=10, batch_size=64, validation_data=(Xv, yv), seed=0)
    train.evaluate(model, nn.CrossEntropyLoss(), Xt, yt)   # {"loss": ..., "accuracy": ...}
"""
from .callbacks import Callback, CSVLogger, EarlyStopping, LambdaCallback, ModelCheckpoint, Trainer
from .checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from .fit import TrainingDivergedError, evaluate, fit, predict
from .history import History
from .metrics import Accuracy, accuracy

__all__ = [
    "fit", "evaluate", "predict", "History", "TrainingDivergedError", "Callback", "Trainer",
    "EarlyStopping", "ModelCheckpoint", "CSVLogger", "LambdaCallback", "save_checkpoint",
    "load_checkpoint", "Checkpoint", "accuracy", "Accuracy",
]
