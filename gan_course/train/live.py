"""A live view of training in a notebook: loss curves and samples, redrawn in place.

``LivePlot(every=N)`` is a trainer callback. Every ``N`` iterations (at the logged steps, see
``TrainConfig.log_every``) and once more when the run finishes, it draws one figure, the
G and D losses so far (and for a critic its Wasserstein estimate and penalty; Goodfellow et al. 2014, "Generative Adversarial Nets",
https://arxiv.org/abs/1406.2661) beside the generator's samples for fixed noise (images as
a grid; 2D points as a scatter over the real ones), and shows it through IPython's display
with a ``display_id``: the first drawing creates the output, later ones update it in place,
so the cell shows one figure that changes rather than a growing list.

    from gan_course.train import LivePlot, train
    train(config, callbacks=[LivePlot(every=100)])

The figure is a ``matplotlib.figure.Figure`` rendered by Agg to PNG bytes and shown as an
``IPython.display.Image``: no pyplot state, no GUI backend, so it works headless (and in
``MPLBACKEND=Agg`` test runs) as in Jupyter.
"""

from __future__ import annotations

import io
import math
from typing import Any, Callable

import torch
from matplotlib.figure import Figure
from torch import Tensor

from ..errors import ConfigError
from .epoch_metric import generate

DEFAULT_EVERY = 100  # iterations between redraws
DEFAULT_SAMPLES = 36  # images in the sample grid (a 6 x 6 grid)
FIGSIZE = (10.0, 4.0)  # inches: curves left, samples right
DPI = 80  # a figure of 800 x 320 pixels
LOSS_LINES = (("d_loss", "D loss", "C0"), ("g_loss", "G loss", "C1"))  # the colours of plotting.curves


def _ipython_display(obj, **kwargs):
    from IPython.display import display

    return display(obj, **kwargs)


def figure_png(fig: Figure) -> bytes:
    """A Figure rendered by Agg as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def sample_grid(images: Tensor) -> Tensor:
    """Images (N, C, H, W) in [-1, 1] -> one (H', W', C) float array in [0, 1], ``ceil(sqrt(N))`` per row."""
    from torchvision.utils import make_grid

    unit = torch.nan_to_num((images.detach().float().cpu() + 1.0) / 2.0, nan=0.0).clamp(0.0, 1.0)
    grid = make_grid(unit, nrow=math.ceil(math.sqrt(len(unit))), padding=2, pad_value=1.0)  # (3, H', W')
    return grid.permute(1, 2, 0)  # (H', W', 3)


class LivePlot:
    """Trainer callback: redraw the loss curves and a fixed-noise sample grid in place every ``every`` steps.

    every: iterations between redraws (checked at the logged steps). samples: images in the
    grid (2D runs show every evaluation point). display: ``IPython.display.display`` by
    default; anything called as ``display(obj, display_id=True)`` that returns a handle with
    ``update(obj)`` works. After each redraw ``figure`` holds the Figure, ``image`` the
    displayed ``IPython.display.Image`` (PNG) and ``draws`` the number of redraws.
    """

    def __init__(self, every: int = DEFAULT_EVERY, *, samples: int = DEFAULT_SAMPLES,
                 display: Callable[..., Any] | None = None):
        if every < 1 or samples < 1:
            raise ConfigError(f"LivePlot needs every >= 1 and samples >= 1, got every={every}, samples={samples}; "
                              f"e.g. LivePlot(every={DEFAULT_EVERY})")
        try:
            import IPython.display  # noqa: F401 - the Image the figure is shown as
        except ImportError:
            raise ConfigError("LivePlot shows its figure through IPython (Jupyter): pip install ipython, "
                              "or use the TensorBoard logs (gan-course monitor) outside notebooks") from None
        self.every, self.samples = int(every), int(samples)
        self._display = display or _ipython_display
        self.handle = None
        self.figure: Figure | None = None
        self.image = None
        self.draws = 0
        self.last_step: int | None = None  # the step of the last redraw

    def on_step_end(self, trainer, record: dict) -> None:
        if record["step"] - (self.last_step or 0) >= self.every:
            self.redraw(trainer)

    def on_epoch_end(self, trainer, record: dict) -> None:
        if trainer.finished and self.last_step != trainer.step:  # show the final state
            self.redraw(trainer)

    # -- drawing -----------------------------------------------------------------------------

    def fixed_samples(self, trainer) -> Tensor:
        """The sampler's output for the first fixed evaluation latents (and labels), on the CPU."""
        metric = trainer.metric
        n = len(metric.z) if trainer.data.kind == "points" else min(self.samples, len(metric.z))
        labels = None if metric.labels is None else metric.labels[:n].to(metric.z.device)
        return generate(trainer.sampler, metric.z[:n], labels).float().cpu()  # (n, ...)

    def draw(self, trainer) -> Figure:
        """The figure for the trainer's current state: losses per logged step | samples."""
        from IPython.display import Image

        from ..plotting.curves import CRITIC_LINES  # lazily: matplotlib loads only when a notebook draws

        fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
        curves, samples = fig.subplots(1, 2, width_ratios=(3, 2))
        steps = trainer.history.steps
        for key, label, color in LOSS_LINES + CRITIC_LINES:  # a critic's estimate and penalty apart
            pairs = [(s, v) for s, v in zip(steps["step"], steps.get(key, ())) if v is not None]
            if pairs:
                xs, ys = zip(*pairs)
                curves.plot(xs, ys, color=color, linewidth=1.0, label=label, gid=key)
        curves.set_xlabel("step")
        curves.set_ylabel("loss")
        curves.grid(True, alpha=0.3)
        if curves.lines:
            curves.legend(loc="upper right")
        last = {key: steps[key][-1] for key in ("d_loss", "g_loss")} if steps["step"] else {}
        losses = ", ".join(f"{name} {last[key]:.3g}" for key, name, _ in LOSS_LINES if last.get(key) is not None)
        curves.set_title(f"{trainer.config.name}: step {trainer.step}, epoch {trainer.epoch + (not trainer.finished)}"
                         + (f" ({losses})" if losses else ""))
        fake = self.fixed_samples(trainer)
        if fake.dim() == 4:
            grid = sample_grid(fake)  # (H', W', 3)
            samples.imshow(grid.numpy(), interpolation="nearest", gid="samples")
            samples.set_axis_off()
        else:
            real = trainer.metric.real
            samples.scatter(real[:, 0], real[:, 1], s=2, color="0.6", label="real", gid="real")
            samples.scatter(fake[:, 0], fake[:, 1], s=2, color="C3", label="generated", gid="samples")
            samples.set_aspect("equal")
            samples.legend(loc="upper right", markerscale=4)
        samples.set_title("samples (fixed noise)")
        self.figure, self.image = fig, Image(data=figure_png(fig), format="png")
        return fig

    def redraw(self, trainer) -> None:
        """Draw the current state and show it: a new output the first time, then in place."""
        self.draw(trainer)
        if self.handle is None:
            self.handle = self._display(self.image, display_id=True)
        else:
            self.handle.update(self.image)
        self.draws += 1
        self.last_step = trainer.step
