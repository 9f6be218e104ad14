"""Feature networks for FID and KID: the module torchmetrics calls as its ``feature``.

torchmetrics' ``FrechetInceptionDistance`` / ``KernelInceptionDistance`` accept any
``nn.Module`` as ``feature``; they use it as is (nothing is downloaded), read its
``num_features`` attribute, and pass it the images given to ``update()`` *unchanged*
(``normalize`` does not rescale for a custom module). :class:`FeatureNetwork` is that module:

- it takes the package's image scaling, float ``(N, C, H, W)`` in ``[-1, 1]``; uint8 images
  ``(N, C, H, W)`` in ``[0, 255]`` are converted first (``x / 127.5 - 1``);
- it returns float32 features ``(N, num_features)``, computed without gradients;
- it never leaves eval mode (``train()`` is overridden), so BatchNorm and dropout are fixed
  however the metric is moved or toggled;
- it carries a ``name`` and the ``sha256`` of its weights, which every reported number records.

Two sources: :func:`load_feature_network` (the package's own classifier per dataset, see
:mod:`gan_course.metrics.classifier`; the Fashion-MNIST one ships with the package) and
:func:`inception_feature_network` (Inception-v3 pool3 features, Szegedy et al. 2016,
https://arxiv.org/abs/1512.00567, with the torch-fidelity weights used by Heusel et al. 2017's
FID, https://arxiv.org/abs/1706.08500), only from a weights file the user already has.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from .. import paths
from ..data.tensor_data import from_float, to_float
from ..errors import CheckpointError, ConfigError
from .classifier import load_classifier, sha256_file

INCEPTION_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"  # torch-fidelity's port of the TF FID weights
INCEPTION_WEIGHTS_URL = (
    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/" + INCEPTION_WEIGHTS_FILE
)
INCEPTION_FEATURES = 2048  # pool3 width of Inception-v3 (Heusel et al. 2017)


class FeatureNetwork(nn.Module):
    """``extractor`` wrapped for torchmetrics: images ``(N, C, H, W)`` -> float32 ``(N, num_features)``.

    Args:
        extractor: a module; ``getattr(extractor, method)(x)`` maps float images in [-1, 1]
            (or, with ``wants_uint8=True``, uint8 images in [0, 255]) to ``(N, ...)`` features,
            flattened to ``(N, num_features)``.
        num_features: the feature width (torchmetrics reads this attribute).
        name: what reports call the feature space, e.g. ``"fashion-mnist-classifier"``.
        sha256: hex digest of the weights ("" for weight-free extractors).
        input_shape: the ``(C, H, W)`` the extractor needs, checked on every call; None accepts any.
        method: the extractor's method that returns features (``"features"`` for a classifier).
        wants_uint8: hand the extractor uint8 images (Inception) instead of floats in [-1, 1].
        card: the classifier's card (accuracy, training budget), when there is one.
    """

    def __init__(
        self, extractor: nn.Module, num_features: int, *, name: str, sha256: str = "",
        input_shape: tuple[int, ...] | None = None, method: str = "forward", wants_uint8: bool = False,
        card: dict | None = None,
    ) -> None:
        super().__init__()
        self.extractor = extractor
        self.num_features = int(num_features)
        self.name = name
        self.sha256 = sha256
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.method = method
        self.wants_uint8 = wants_uint8
        self.card = dict(card or {})
        self.requires_grad_(False)
        super().train(False)

    def train(self, mode: bool = True) -> FeatureNetwork:
        """Stays in eval mode whatever ``mode`` says (BatchNorm statistics must not move)."""
        return super().train(False)

    @property
    def identity(self) -> str:
        """``name@sha256[:12]``: the feature space in one short string."""
        return f"{self.name}@{self.sha256[:12]}" if self.sha256 else self.name

    def _check(self, x: Tensor) -> None:
        if self.input_shape is not None and (x.dim() != 4 or tuple(x.shape[1:]) != self.input_shape):
            raise ConfigError(
                f"the feature network {self.name} takes images (N, {', '.join(map(str, self.input_shape))}), got "
                f"{tuple(x.shape)}; resize the images or pick the feature network of their dataset"
            )

    def forward(self, x: Tensor) -> Tensor:
        """Features of images x ``(N, C, H, W)`` (float in [-1, 1] or uint8) -> float32 ``(N, num_features)``."""
        self._check(x)
        if self.wants_uint8:
            x = x if x.dtype == torch.uint8 else from_float(x)  # (N, C, H, W) uint8
        elif x.dtype == torch.uint8:
            x = to_float(x)  # (N, C, H, W) in [-1, 1]
        with torch.no_grad():
            features = getattr(self.extractor, self.method)(x)
        return features.reshape(len(x), -1).to(torch.float32)  # (N, num_features)


def load_feature_network(dataset: str = "fashion-mnist", *, path: str | Path | None = None) -> FeatureNetwork:
    """The package's trained classifier of ``dataset`` as a :class:`FeatureNetwork` (penultimate layer).

    Looks for the weights shipped in ``gan_course/weights/``, then for ones trained into
    ``$GAN_COURSE_CACHE/classifiers/`` (or uses ``path``). Reads no network; the weights'
    sha256 must match the card beside them (CheckpointError otherwise, naming the fix).
    """
    model, card = load_classifier(dataset, path=path)
    hparams = card["hparams"]
    shape = (hparams["in_channels"], hparams["image_size"], hparams["image_size"])
    return FeatureNetwork(model, card["feature_dim"], name=f"{card['dataset']}-classifier", sha256=card["sha256"],
                          input_shape=shape, method="features", card=card)


def inception_weights_candidates() -> list[Path]:
    """Where a torch-fidelity Inception weights file is looked for, in order."""
    return [paths.cache_dir() / "inception" / INCEPTION_WEIGHTS_FILE,
            Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS_FILE]


class GrayToRgb(nn.Module):
    """Runs ``inner`` on RGB: grayscale ``(N, 1, H, W)`` is repeated to ``(N, 3, H, W)``, RGB passes as is."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: Tensor) -> Tensor:
        return self.inner(x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x)


def inception_feature_network(weights_path: str | Path | None = None) -> FeatureNetwork:
    """Inception-v3 pool3 features (2048) from torch-fidelity's weights file, never downloaded.

    Uses ``weights_path``, else the first existing file of :func:`inception_weights_candidates`
    (``$GAN_COURSE_CACHE/inception/`` or torch hub's checkpoint folder, where torch-fidelity
    keeps its download). Needs ``pip install torch-fidelity``. Images of any size are resized to
    299x299 inside the network; grayscale ones are repeated to RGB. Raises CheckpointError
    saying how to get the file when it is missing.
    """
    if weights_path is not None:
        weights = Path(weights_path).expanduser().resolve()
        if not weights.is_file():
            raise CheckpointError(f"Inception weights {weights} do not exist; pass the path of {INCEPTION_WEIGHTS_FILE}")
    else:
        weights = next((c for c in inception_weights_candidates() if c.is_file()), None)
        if weights is None:
            raise CheckpointError(
                f"the Inception weights {INCEPTION_WEIGHTS_FILE} are not on this machine (looked in "
                f"{' and '.join(str(c.parent) for c in inception_weights_candidates())}); download them where you have "
                f"internet from {INCEPTION_WEIGHTS_URL} into {inception_weights_candidates()[0].parent} or pass "
                "weights_path=; or use the offline default feature='fashion-mnist' (the package's own classifier)"
            )
    try:
        from torchmetrics.image.fid import NoTrainInceptionV3

        network = NoTrainInceptionV3(name="inception-v3-compat", features_list=[str(INCEPTION_FEATURES)],
                                     feature_extractor_weights_path=str(weights))
    except ModuleNotFoundError as exc:
        raise ConfigError(f"the Inception feature network needs torch-fidelity ({exc}); install it with "
                          "`pip install torch-fidelity` or use feature='fashion-mnist'") from None
    except Exception as exc:  # a truncated or foreign weights file
        raise CheckpointError(f"{weights} is not a readable torch-fidelity Inception weights file "
                              f"({type(exc).__name__}); download {INCEPTION_WEIGHTS_URL} again") from None
    return FeatureNetwork(GrayToRgb(network), INCEPTION_FEATURES, name="inception-v3-compat",
                          sha256=sha256_file(weights), wants_uint8=True)


def resolve_feature_network(feature: str | FeatureNetwork) -> FeatureNetwork:
    """``feature`` as a FeatureNetwork: an instance as is, ``"inception"``, or a dataset name."""
    if isinstance(feature, FeatureNetwork):
        return feature
    if not isinstance(feature, str):
        raise ConfigError(f"feature must be a dataset name, 'inception' or a FeatureNetwork, got {type(feature).__name__}")
    if feature.strip().lower() in ("inception", "inception-v3", "inception-v3-compat"):
        return inception_feature_network()
    return load_feature_network(feature)
