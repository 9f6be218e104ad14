"""A small CNN classifier per dataset: its penultimate activations are the package's offline
feature space for FID and KID.

FID (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium", https://arxiv.org/abs/1706.08500) and KID (Binkowski et al. 2018, "Demystifying
MMD GANs", https://arxiv.org/abs/1801.01401) compare real and generated images in the feature
space of a trained classifier, originally Inception-v3 on ImageNet. Those weights cannot be
downloaded everywhere, and what the feature space knows shapes what the score measures
(Kynkaanniemi et al. 2023, "The Role of ImageNet Classes in Frechet Inception Distance",
https://arxiv.org/abs/2203.06026), so the package trains its own classifier on the dataset the
GAN models: three conv-BatchNorm-ReLU-maxpool blocks (Ioffe & Szegedy 2015,
https://arxiv.org/abs/1502.03167), a ``feature_dim``-wide ReLU layer (the features) and a
linear head behind dropout (Srivastava et al. 2014), trained with AdamW (Loshchilov & Hutter
2019, https://arxiv.org/abs/1711.05101) under a one-cycle schedule (Smith & Topin 2017,
https://arxiv.org/abs/1708.07120).

Inputs are the package's image scaling: float32 ``(B, C, H, W)`` in ``[-1, 1]``
(``InMemoryData.to_float`` of the uint8 pixels). The Fashion-MNIST network ships trained in
``gan_course/weights/`` with a JSON card (accuracy, seed, sha256); ``gan-course
train-classifier`` trains the others into ``$GAN_COURSE_CACHE/classifiers/``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from pathlib import Path

import torch
from torch import Tensor, nn

from .. import paths
from ..atomic import atomic_write, write_json_atomic
from ..data.images import canonical_name
from ..errors import CheckpointError, ConfigError

ARCHITECTURE = "small-cnn-v1"  # the name a card records; bump when the layer layout changes
CLASSIFIER_DATASETS = ("mnist", "fashion-mnist", "cifar10")  # labelled image datasets of gan_course.data
WIDTH = 32  # channels of the first block; the next two have 2x and 4x
FEATURE_DIM = 128  # width of the penultimate (feature) layer
DROPOUT = 0.3  # before the linear head (Srivastava et al. 2014)
LEARNING_RATE = 2e-3  # peak of the one-cycle schedule (Smith & Topin 2017)
WEIGHT_DECAY = 5e-4  # AdamW's decoupled weight decay (Loshchilov & Hutter 2019)
DEFAULT_EPOCHS = 6
DEFAULT_BATCH_SIZE = 128
EVAL_BATCH_SIZE = 1000  # images per forward pass when measuring accuracy
WEIGHTS_DIR = paths.PACKAGE_DIR / "weights"  # networks shipped inside the package
CARD_SUFFIX = ".json"


class FeatureClassifier(nn.Module):
    """Small CNN: 3 x (conv 3x3, BatchNorm, ReLU, maxpool 2) -> Linear -> ReLU (features) -> head.

    Args:
        in_channels, image_size: the input ``(B, in_channels, image_size, image_size)``, float32
            in ``[-1, 1]``.
        num_classes: outputs of the linear head.
        width: channels of the first block (then ``2 * width``, ``4 * width``).
        feature_dim: width of the penultimate layer, the features FID and KID use.
    """

    def __init__(
        self, *, in_channels: int = 1, image_size: int = 28, num_classes: int = 10, width: int = WIDTH,
        feature_dim: int = FEATURE_DIM, dropout: float = DROPOUT,
    ) -> None:
        super().__init__()
        self.hparams = dict(in_channels=in_channels, image_size=image_size, num_classes=num_classes, width=width,
                            feature_dim=feature_dim, dropout=dropout)
        channels = (in_channels, width, 2 * width, 4 * width)
        layers: list[nn.Module] = []
        for c_in, c_out in zip(channels[:-1], channels[1:]):
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
        self.blocks = nn.Sequential(*layers)  # (B, C, S, S) -> (B, 4w, S // 8, S // 8): 28 -> 3, 32 -> 4
        side = image_size // 2 // 2 // 2
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(4 * width * side * side, feature_dim), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(feature_dim, num_classes))
        self.feature_dim = feature_dim

    def features(self, x: Tensor) -> Tensor:
        """Penultimate activations: x ``(B, C, S, S)`` float in [-1, 1] -> ``(B, feature_dim)`` (>= 0, post-ReLU)."""
        return self.embed(self.blocks(x))

    def forward(self, x: Tensor) -> Tensor:
        """Class logits ``(B, num_classes)`` of images ``(B, C, S, S)`` in [-1, 1]."""
        return self.head(self.features(x))


def check_classifier_dataset(dataset: str) -> str:
    """The canonical name of a dataset a classifier can be trained on; ConfigError otherwise."""
    key = canonical_name(dataset)
    if key not in CLASSIFIER_DATASETS:
        raise ConfigError(f"no feature classifier for dataset {dataset!r}: it needs a labelled image dataset; "
                          f"choose one of: {', '.join(CLASSIFIER_DATASETS)}")
    return key


def weights_filename(dataset: str) -> str:
    """``<dataset>-classifier.pt``, the weights file's name in the package and in the cache."""
    return f"{check_classifier_dataset(dataset)}-classifier.pt"


def card_path(weights: str | Path) -> Path:
    """The JSON card that sits beside a weights file (same stem)."""
    return Path(weights).with_suffix(CARD_SUFFIX)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@torch.no_grad()
def classifier_accuracy(model: nn.Module, data, *, batch_size: int = EVAL_BATCH_SIZE) -> float:
    """Top-1 accuracy of ``model`` (eval mode) on a labelled :class:`InMemoryData`, in [0, 1]."""
    was_training = model.training
    model.eval()
    correct = 0
    for x, y in data.batches(batch_size, shuffle=False, drop_last=False):  # (B, C, H, W), (B,)
        correct += int((model(x).argmax(dim=1) == y).sum())
    model.train(was_training)
    return correct / len(data)


def save_classifier(model: FeatureClassifier, card: dict, out: str | Path) -> dict:
    """Write ``model``'s fp32 state_dict to ``out`` and the card (plus the file's sha256) beside it."""
    out = Path(out)
    state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
    with atomic_write(out, "wb") as handle:
        torch.save(state, handle)
    card = dict(card, weights_file=out.name, sha256=sha256_file(out), size_bytes=out.stat().st_size)
    write_json_atomic(card_path(out), card)
    return card


def train_classifier(
    dataset: str,
    *,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    seed: int = 0,
    out: str | Path | None = None,
    lr: float = LEARNING_RATE,
    data=None,
    test_data=None,
    progress: bool = False,
) -> dict:
    """Train the feature classifier of ``dataset`` and save it with its card; returns the card.

    Args:
        dataset: ``mnist``, ``fashion-mnist`` or ``cifar10`` (loaded with ``gan_course.data``).
        epochs, batch_size, seed, lr: the training budget; ``seed`` fixes init and batch order.
        out: weights path (default ``$GAN_COURSE_CACHE/classifiers/<dataset>-classifier.pt``);
            the card goes beside it as ``.json``.
        data, test_data: labelled :class:`InMemoryData` used instead of the dataset's train and
            test splits (tiny synthetic data for ``--dry-run`` and tests).
        progress: print one line per epoch.

    The card records architecture, hyper-parameters, train and test accuracy (over the whole
    splits given), epochs, seed, torch version, training wall time, the weights' sha256, date.
    """
    from ..data import load_dataset

    name = check_classifier_dataset(dataset)
    if epochs < 1 or batch_size < 1:
        raise ConfigError(f"epochs and batch_size must be positive, got {epochs} and {batch_size}")
    train_data = data if data is not None else load_dataset(name, split="train")
    test_data = test_data if test_data is not None else load_dataset(name, split="test")
    if not train_data.labelled or train_data.kind != "image":
        raise ConfigError(f"the classifier needs labelled images, got {train_data!r}")
    batch_size = min(batch_size, len(train_data))
    torch.manual_seed(seed)
    channels, size, _ = train_data.shape
    model = FeatureClassifier(in_channels=channels, image_size=size, num_classes=train_data.num_classes)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
    steps = epochs * train_data.steps_per_epoch(batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for x, y in train_data.batches(batch_size, generator=generator):  # (B, C, S, S), (B,)
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total, count = total + float(loss.detach()) * len(y), count + len(y)
        if progress:
            print(f"epoch {epoch}/{epochs}: train loss {total / count:.4f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    train_time = time.perf_counter() - start
    card = dict(
        architecture=ARCHITECTURE, hparams=model.hparams, feature_dim=model.feature_dim, dataset=name,
        input_scaling="float32 (B, C, H, W) in [-1, 1] (uint8 / 127.5 - 1)",
        train_samples=len(train_data), test_samples=len(test_data),
        train_accuracy=classifier_accuracy(model, train_data), test_accuracy=classifier_accuracy(model, test_data),
        epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=WEIGHT_DECAY, seed=seed,
        torch_version=torch.__version__, threads=torch.get_num_threads(), train_time_s=round(train_time, 1),
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )
    if data is not None:
        card["data"] = train_data.name
    out = Path(out).expanduser().resolve() if out is not None else paths.cache_dir() / "classifiers" / weights_filename(name)
    return save_classifier(model, card, out)


def find_weights(dataset: str) -> Path:
    """The weights of ``dataset``'s classifier: shipped in the package, else trained into the cache.

    Raises CheckpointError (with the command that trains them) when neither exists.
    """
    filename = weights_filename(dataset)
    candidates = (WEIGHTS_DIR / filename, paths.cache_dir() / "classifiers" / filename)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise CheckpointError(
        f"no trained feature classifier for {check_classifier_dataset(dataset)}: looked for "
        f"{' and '.join(str(c) for c in candidates)}; train it with `gan-course train-classifier --dataset "
        f"{check_classifier_dataset(dataset)}` (or pass the weights' path)"
    )


def read_card(weights: str | Path) -> dict:
    """The JSON card beside ``weights``; CheckpointError if it is missing or unreadable."""
    card_file = card_path(weights)
    try:
        card = json.loads(card_file.read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"the card {card_file} of the feature classifier {weights} is missing or unreadable "
                              f"({type(exc).__name__}); retrain with `gan-course train-classifier`, which writes both") from None
    if not isinstance(card, dict) or not {"sha256", "hparams", "architecture"} <= card.keys():
        raise CheckpointError(f"the card {card_file} lacks sha256/hparams/architecture; retrain with "
                              "`gan-course train-classifier`")
    return card


def load_classifier(dataset: str = "fashion-mnist", *, path: str | Path | None = None) -> tuple[FeatureClassifier, dict]:
    """The trained classifier of ``dataset`` (or the weights at ``path``) in eval mode, and its card.

    Reads nothing from the network: ``torch.load(weights_only=True)`` of a local file whose
    sha256 must match its card. Raises CheckpointError when the file is missing, corrupt, or
    does not fit the card's architecture.
    """
    weights = Path(path).expanduser().resolve() if path is not None else find_weights(dataset)
    if not weights.is_file():
        raise CheckpointError(f"feature classifier weights {weights} do not exist; pass the path of a .pt file "
                              "written by `gan-course train-classifier`")
    card = read_card(weights)
    if card["architecture"] != ARCHITECTURE:
        raise CheckpointError(f"{weights} holds architecture {card['architecture']!r}, this version reads "
                              f"{ARCHITECTURE!r}; retrain it with `gan-course train-classifier`")
    actual = sha256_file(weights)
    if actual != card["sha256"]:
        raise CheckpointError(f"{weights} is corrupt: its sha256 {actual[:12]}... differs from the card's "
                              f"{card['sha256'][:12]}...; reinstall gan-course or retrain with `gan-course "
                              "train-classifier`")
    model = FeatureClassifier(**card["hparams"])
    try:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    except Exception as exc:  # unpickling error, wrong keys or shapes
        raise CheckpointError(f"{weights} does not load into {ARCHITECTURE} {card['hparams']} "
                              f"({type(exc).__name__}); retrain with `gan-course train-classifier`") from None
    return model.eval(), card
