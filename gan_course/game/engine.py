"""The game's logic, without HTTP: a run's checkpoints, scoring a drawing, spot-the-fake rounds.

Two ways for a person to play against a trained GAN (Goodfellow et al. 2014, "Generative
Adversarial Nets", https://arxiv.org/abs/1406.2661, where G and D play a two-player game):

- **Draw**: the person plays the generator. Their drawing ``x`` of class ``y`` gets the
  discriminator's score ``D(x, y)`` (a logit; ``sigmoid`` of it is D's probability that the
  image is real for BCE-style losses), shown beside the scores of a fresh batch of generator
  samples ``G(z, y)`` of the same class, with the player's rank among them (1 = D finds the
  drawing more real than every sample).
- **Spot the fake**: the person plays the discriminator on a grid mixing real test images
  and generated ones; their accuracy is returned and every fake they miss counts towards the
  checkpoint's human fool rate (:mod:`gan_course.game.tally`).

Models are loaded on the CPU in eval mode (the EMA generator when the run kept one) and
reloaded when a checkpoint file changes (a run still training). Rounds live in memory only;
the truth of a round never leaves the server before it is answered, and a round is answered
once.
"""

from __future__ import annotations

import base64
import io
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from ..errors import CheckpointError, ConfigError
from ..run_dir import RunDir
from .tally import Tally

CHECKPOINT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # a file stem in checkpoints/, nothing else
FRESH_SAMPLES = 24  # generator samples the drawing is ranked against
ROUND_SIZE = 12  # images in a spot-the-fake grid
MIN_FAKES, MAX_FAKES = 3, 9  # fakes per round, uniform: counting does not give the answer away
MAX_OPEN_ROUNDS = 2048  # rounds kept waiting for an answer (the oldest are forgotten first)


class GameError(Exception):
    """Bad input from a player: an HTTP status and a message that names the fix."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def png_data_url(image: Tensor) -> str:
    """A uint8 image (C, H, W) -> ``data:image/png;base64,...`` (for an ``<img src>``)."""
    from PIL import Image

    array = image.permute(1, 2, 0).numpy()  # (H, W, C)
    picture = Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class LoadedCheckpoint:
    """One checkpoint's generator and discriminator (eval mode, CPU) and where it came from."""

    name: str
    mtime_ns: int
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    epoch: int
    step: int

    @property
    def key(self) -> str:
        """The tally key: the checkpoint's name and the epoch it holds."""
        return f"{self.name}-epoch{self.epoch:04d}"


class GameEngine:
    """The game for one run directory (see the module docstring).

    run_dir: a run written by ``gan-course train`` with checkpoints of an image model.
    real: the real images for spot-the-fake (an ``InMemoryData``); default: the run's dataset,
    test split. checkpoint: the default checkpoint's name (default ``best``, else ``latest``).
    Raises CheckpointError / ConfigError for a directory that is not such a run.
    """

    def __init__(self, run_dir: str | Path, *, real=None, checkpoint: str | None = None, seed: int | None = None):
        self.run_dir = Path(run_dir).expanduser().resolve()
        self.run = RunDir(self.run_dir)
        self.checkpoint_dir = self.run.checkpoints
        names = self.checkpoint_names()
        if not names:
            raise CheckpointError(f"{run_dir} is not a run directory with checkpoints (no {self.checkpoint_dir}/*.pt); "
                                  "pass a run written by 'gan-course train', e.g. runs/cgan-fashion-bce")
        self.default_checkpoint = checkpoint or ("best" if "best" in names else "latest" if "latest" in names else names[0])
        self._lock = threading.Lock()
        self._loaded: dict[str, LoadedCheckpoint] = {}
        self._rounds: OrderedDict[str, dict] = OrderedDict()
        self._rng = torch.Generator().manual_seed(seed if seed is not None else secrets.randbits(63))
        first = self.load(self.default_checkpoint, status=None)
        from ..losses import LOSSES

        self.loss = LOSSES[self.config.loss]
        self.shape = tuple(self.data_shape)
        if len(self.shape) != 3:
            raise ConfigError(f"{run_dir} is a {self.config.model} run on 2D points; the game needs an image model "
                              "(e.g. gan-course train --config cgan-fashion-bce)")
        self.num_classes = int(getattr(first.generator, "num_classes", 0) or 0)
        self.real = real if real is not None else self._load_real()
        if tuple(self.real.shape) != self.shape:
            raise ConfigError(f"the real images are {tuple(self.real.shape)} but the model makes {self.shape}; "
                              "pass images of the run's dataset")
        names = list(getattr(self.real, "class_names", []) or [])
        self.class_names = names if len(names) == self.num_classes else [str(k) for k in range(self.num_classes)]
        self.tally = Tally(self.run.tally)

    # -- checkpoints -------------------------------------------------------------------------

    def checkpoint_names(self) -> list[str]:
        """The stems of ``checkpoints/*.pt`` (e.g. ``["best", "latest"]``)."""
        return self.run.checkpoint_stems(CHECKPOINT_NAME)

    def load(self, name: str | None, *, status: int | None = 404) -> LoadedCheckpoint:
        """The checkpoint ``name`` (default: the default one), loaded once per file version.

        An unknown name raises GameError(status) (CheckpointError when status is None).
        """
        name = name or self.default_checkpoint
        names = self.checkpoint_names()
        if not CHECKPOINT_NAME.match(name) or name not in names:
            message = f"unknown checkpoint {name[:80]!r}; this run has: {', '.join(names) or 'none'}"
            raise CheckpointError(message) if status is None else GameError(status, message)
        path = self.run.checkpoint(name)
        mtime = path.stat().st_mtime_ns
        with self._lock:
            cached = self._loaded.get(name)
            if cached is not None and cached.mtime_ns == mtime:
                return cached
        from ..train.checkpoint import load_checkpoint, load_models

        state = load_checkpoint(path)
        generator, discriminator, config = load_models(path, device="cpu")
        if discriminator is None:
            raise CheckpointError(f"{path} holds no discriminator, so the game cannot score drawings; "
                                  "use a checkpoint written by 'gan-course train'")
        loaded = LoadedCheckpoint(name, mtime, generator, discriminator, int(state.get("epoch", 0)),
                                  int(state.get("step", 0)))
        with self._lock:
            self.config = config
            self.data_shape = (state.get("data") or {}).get("shape") or []
            self._loaded[name] = loaded
        return loaded

    def checkpoints(self) -> list[dict]:
        """Name, epoch, step and tally key of every checkpoint of the run."""
        result = []
        for name in self.checkpoint_names():
            try:
                loaded = self.load(name)
            except (CheckpointError, GameError):
                continue  # a foreign or broken .pt file in checkpoints/ is not offered
            result.append({"name": name, "epoch": loaded.epoch, "step": loaded.step, "tally_key": loaded.key})
        return result

    def _load_real(self):
        from ..data import get_spec, load_dataset

        c = self.config
        split = "test" if "test" in get_spec(c.dataset).splits else "train"
        return load_dataset(c.dataset, split=split, image_size=c.image_size, path=c.dataset_path)

    # -- draw --------------------------------------------------------------------------------

    def check_label(self, label: int | None) -> int | None:
        """The class a drawing is scored as; GameError(422) when missing, unknown or not wanted."""
        if self.num_classes == 0:
            if label is not None:
                raise GameError(422, f"this run's model is unconditional: leave out the class (got label={label})")
            return None
        if label is None:
            raise GameError(422, f"say which class the drawing is: label=0..{self.num_classes - 1}")
        if not 0 <= label < self.num_classes:
            raise GameError(422, f"unknown class {label}: this model has classes 0..{self.num_classes - 1} "
                                 f"({', '.join(self.class_names)})")
        return label

    def probability(self, scores: Tensor) -> list[float] | None:
        """D's probability of "real" (sigmoid of the logits) for BCE-style losses, else None."""
        return torch.sigmoid(scores).tolist() if self.loss.outputs_are_logits else None

    @torch.no_grad()
    def score_drawing(self, image: Tensor, label: int | None, checkpoint: str | None = None) -> dict:
        """Score a drawing against fresh samples of its class.

        image: uint8 (C, H, W) of the model's shape. Returns the drawing's score (and
        probability), the samples (data URLs, scores) best first, and the drawing's rank.
        """
        from ..data import to_float

        label = self.check_label(label)
        loaded = self.load(checkpoint)
        G, D = loaded.generator, loaded.discriminator
        with self._lock:
            z = torch.randn(FRESH_SAMPLES, G.latent_dim, generator=self._rng)  # (n, latent_dim)
        labels = None if label is None else torch.full((FRESH_SAMPLES,), label, dtype=torch.long)  # (n,)
        fakes = G(z, labels)  # (n, C, H, W) in [-1, 1]
        fake_scores = D(fakes, labels)  # (n,)
        x = to_float(image.unsqueeze(0))  # (1, C, H, W)
        score = D(x, None if label is None else labels[:1])  # (1,)
        order = torch.argsort(fake_scores, descending=True)
        fake_probs = self.probability(fake_scores[order])
        from ..data import from_float

        samples = [{"image": png_data_url(from_float(fakes[i])), "score": float(fake_scores[i]),
                    "probability": None if fake_probs is None else fake_probs[k]} for k, i in enumerate(order.tolist())]
        rank = 1 + int((fake_scores > score[0]).sum())
        return {"checkpoint": loaded.name, "epoch": loaded.epoch, "label": label,
                "class_name": None if label is None else self.class_names[label],
                "score": float(score[0]), "probability": (self.probability(score) or [None])[0],
                "rank": rank, "of": FRESH_SAMPLES + 1, "samples": samples}

    # -- spot the fake -----------------------------------------------------------------------

    @torch.no_grad()
    def new_round(self, checkpoint: str | None = None) -> dict:
        """A grid of ROUND_SIZE images, some real, some generated; the truth stays here."""
        from ..data import from_float

        loaded = self.load(checkpoint)
        G = loaded.generator
        with self._lock:
            fakes = int(torch.randint(MIN_FAKES, MAX_FAKES + 1, (1,), generator=self._rng))
            real_index = torch.randperm(len(self.real), generator=self._rng)[: ROUND_SIZE - fakes]
            z = torch.randn(fakes, G.latent_dim, generator=self._rng)  # (k, latent_dim)
            labels = (torch.randint(0, self.num_classes, (fakes,), generator=self._rng) if self.num_classes else None)
            order = torch.randperm(ROUND_SIZE, generator=self._rng).tolist()
        real = self.real.data[real_index.to(self.real.data.device)].cpu()  # (n - k, C, H, W) uint8
        fake = from_float(G(z, labels))  # (k, C, H, W) uint8
        images = torch.cat([fake, real])  # fakes first, then shuffled by `order`
        is_fake = [position < fakes for position in order]
        round_id = secrets.token_urlsafe(12)
        with self._lock:
            self._rounds[round_id] = {"truth": is_fake, "checkpoint": loaded}
            while len(self._rounds) > MAX_OPEN_ROUNDS:
                self._rounds.popitem(last=False)
        return {"round": round_id, "checkpoint": loaded.name, "epoch": loaded.epoch,
                "images": [png_data_url(images[i]) for i in order]}

    def answer(self, round_id: str, marked_fake: list[int]) -> dict:
        """Judge the player's marks for a round (once), add them to the tally, return the result.

        marked_fake: positions (0..ROUND_SIZE-1) the player marked as generated. A bad list
        raises GameError(422) and leaves the round open.
        """
        if (not isinstance(marked_fake, list) or any(type(i) is not int or not 0 <= i < ROUND_SIZE for i in marked_fake)
                or len(set(marked_fake)) != len(marked_fake)):
            raise GameError(422, f"'fakes' must be a list of distinct image positions 0..{ROUND_SIZE - 1}, "
                                 f"e.g. {{\"round\": \"...\", \"fakes\": [0, 5]}}")
        with self._lock:
            round_ = self._rounds.pop(round_id, None)
        if round_ is None:
            raise GameError(404, "unknown or already answered round; start a new round")
        truth, loaded = round_["truth"], round_["checkpoint"]
        marked = set(marked_fake)
        correct = sum((i in marked) == fake for i, fake in enumerate(truth))
        fakes = sum(truth)
        missed = sum(1 for i, fake in enumerate(truth) if fake and i not in marked)
        flagged = sum(1 for i, fake in enumerate(truth) if not fake and i in marked)
        entry = self.tally.add(loaded.key, info={"checkpoint": loaded.name, "epoch": loaded.epoch, "step": loaded.step},
                               rounds=1, images_shown=len(truth), images_correct=correct, fakes_shown=fakes,
                               fakes_missed=missed, reals_shown=len(truth) - fakes, reals_flagged=flagged)
        return {"correct": correct, "total": len(truth), "accuracy": correct / len(truth), "truth": truth,
                "fooled": missed, "tally_key": loaded.key, "tally": entry}
