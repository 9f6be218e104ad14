"""Rules between fields of a training configuration: the data, the model and the objective
must fit together.

Each field's own rule (allowed names, ranges) is part of its description in
:class:`~gan_course.train.config.TrainConfig` (:mod:`gan_course.train.fields`); this module
holds what no single field can say. :func:`check_consistency` runs after them, on a resolved
configuration, and raises :class:`~gan_course.errors.ConfigError` naming the fix.

Why these rules: a per-sample gradient penalty is wrong when BatchNorm mixes the samples of a
batch (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs",
https://arxiv.org/abs/1704.00028, section 4); an unbounded critic loss needs a Lipschitz
constraint (Arjovsky et al. 2017, "Wasserstein GAN", https://arxiv.org/abs/1701.07875,
section 3; clipping, a penalty, or spectral norm, Miyato et al. 2018).
"""

from __future__ import annotations

from ..errors import ConfigError
from ..losses import LOSSES


def check_consistency(c) -> None:
    """Raise ConfigError when the fields of the resolved config ``c`` do not fit together."""
    from ..data import dataset_shape, get_spec
    from ..models import MODELS, get_model_spec

    data_spec, model_spec = get_spec(c.dataset), get_model_spec(c.model)
    # data and model fit together
    if data_spec.kind not in model_spec.data_kinds:
        fits = [name for name, spec in MODELS.items() if data_spec.kind in spec.data_kinds]
        raise ConfigError(
            f"model {c.model!r} needs images but dataset {c.dataset!r} is 2D points; use --model {fits[0]}"
            if data_spec.kind == "points" else
            f"model {c.model!r} cannot train on images of {c.dataset!r}; use --model {' or '.join(fits)}")
    if data_spec.kind == "points" and c.image_size is not None:
        raise ConfigError(f"image_size does not apply to the 2D {c.dataset!r} data; leave --image-size unset")
    if data_spec.kind == "image" and model_spec.image_sizes:
        size = dataset_shape(c.dataset, image_size=c.image_size)[-1]
        if size not in model_spec.image_sizes:
            nearest = min(model_spec.image_sizes, key=lambda s: abs(s - size))
            raise ConfigError(f"model {c.model!r} supports image sizes {', '.join(map(str, model_spec.image_sizes))} "
                              f"but {c.dataset!r} is {size}x{size}; use --image-size {nearest}")
    if model_spec.conditional and data_spec.num_classes == 0 and data_spec.name != "folder":
        raise ConfigError(f"model {c.model!r} is conditional and needs class labels, but {c.dataset!r} is unlabelled; "
                          "use a labelled dataset (mnist, fashion-mnist, cifar10) or an unconditional model "
                          "(--model dcgan)")
    if c.dataset == "folder" and not c.dataset_path:
        raise ConfigError("the 'folder' dataset needs the folder of images: pass --data-path DIR (dataset_path)")
    # objective and regulariser fit the model
    loss = LOSSES[c.loss]
    if c.regularizer == "gp" and model_spec.discriminator_has_batchnorm:
        raise ConfigError(
            f"a gradient penalty with model {c.model!r}, whose discriminator uses BatchNorm: BatchNorm mixes "
            "samples, so the per-sample gradient penalty is wrong: use --model wgan (layer-norm critic) "
            "or --model sngan")
    if loss.unbounded and c.regularizer not in ("gp", "clip") and not model_spec.spectral_norm:
        raise ConfigError(
            f"the {c.loss} loss needs a Lipschitz constraint on the critic, but there is none (regularizer "
            f"{c.regularizer!r}, model {c.model!r} has no spectral norm): add --regularizer gp or clip, "
            "or use --model sngan")
    if c.real_label != 1.0 and not loss.has_real_label:
        raise ConfigError(f"real_label={c.real_label} (label smoothing) has no meaning for the {c.loss} loss, which "
                          "has no real target; use --real-label 1.0 or a loss with targets (bce, minimax, lsgan)")
    # budgets that depend on other fields
    if c.train_size is not None and c.train_size < c.batch_size:
        raise ConfigError(f"train_size must hold at least one batch ({c.batch_size} items), got {c.train_size}; "
                          "raise --train-size or lower --batch-size, or leave it unset to use all the data")
    if c.fid_every is not None and (c.fid_every < 1 or data_spec.kind != "image"):
        raise ConfigError(f"fid_every must be a positive number of epochs on an image dataset, got {c.fid_every} "
                          f"for {c.dataset!r}; e.g. fid_every: 1, or leave it unset")
