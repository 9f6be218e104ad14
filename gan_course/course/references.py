"""Reference figures: "a healthy run looks like this", beside the student's own figure.

Every notebook shows, next to a figure the student's run drew, the same figure from a stored
healthy run of the course book (``book/results/``, written by ``book/reproduce.py``). This module
is their one owner:

- :data:`REFERENCES`, the registry: (assignment, figure name) -> the stored PNG it copies;
- :func:`build_references`, the one command that regenerates them
  (``gan-course course references``; ``--check`` reports stale copies, as ``course build --check``
  does for the notebooks): each PNG is copied byte for byte into
  ``gan_course/course/references/<assignment>/<name>.png`` (package data) and
  ``references.json`` beside them records where it came from (the stored run, its config, the
  numbers it shows), every path relative to the repository;
- :func:`show_beside` and :func:`reference_figure`, what the notebooks call. They never fail a
  notebook: a missing or unreadable reference prints a clear message and the student's figure
  is shown alone.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from gan_course import paths
from gan_course.atomic import write_bytes_atomic
from gan_course.errors import GanCourseError

from .contract import ASSIGNMENTS

REFERENCES_DIR = paths.PACKAGE_DIR / "course" / "references"  # package data
MANIFEST = "references.json"
PACKAGE_PREFIX = "gan_course/course/references"  # REFERENCES_DIR relative to the repository
RESULTS_PREFIX = "book/results"  # the stored results relative to the repository
COMMAND = "gan-course course references"
LAST = "*"  # in a source: the last match in name order (epoch_0012.png after epoch_0002.png)
SEED_RUN = "seed-0"  # a comparison over seeds stores <member>/seed-<s>/ (gan_course.experiments.seeds)
HEADLINE = ("fid", "fid_mean", "energy_distance")  # the number a caption quotes, the first one a run has
COMPARISON_COLUMNS = ("fid", "fid_mean", "fid_std", "kid_mean", "kid_std", "class_acc", "class_acc_mean",
                      "class_acc_std", "n_seeds", "epochs", "train_time_s", "train_time_s_mean")


@dataclass(frozen=True)
class Reference:
    """One reference figure: ``source`` is a PNG below ``book/results/`` (``*`` = the last match). A
    source in a comparison member's folder is also looked for in its first seed's run
    (``<member>/seed-0/``), where a comparison over seeds stores it."""

    assignment: str
    name: str
    source: str
    what: str

    @property
    def file(self) -> str:
        """Its copy, relative to :data:`REFERENCES_DIR`: ``<assignment>/<name>.png``."""
        return f"{self.assignment}/{self.name}.png"


REFERENCES: tuple[Reference, ...] = (
    Reference("01_vanilla_dcgan", "samples", "saturation/non-saturating/samples/epoch_*.png",
              "DCGAN samples (Fashion-MNIST), non-saturating loss"),
    Reference("01_vanilla_dcgan", "scores", "saturation/non-saturating/plots/scores.png",
              "mean sigma(D(x)) and sigma(D(G(z)))"),
    Reference("02_ring_gan", "scatter", "ring/plots/scatter.png", "ring samples and their density"),
    Reference("03_dcgan_faces", "samples", "losses/gan/samples/epoch_*.png", "DCGAN samples (Fashion-MNIST)"),
    Reference("03_dcgan_faces", "interpolation", "losses/gan/samples/interpolation_slerp.png",
              "slerp between latent codes"),
    Reference("04_wgan_sngan", "samples", "losses/class_grids.png", "GAN, WGAN-GP and SNGAN samples"),
    Reference("04_wgan_sngan", "fid", "losses/fid.png", "FID of each objective"),
    Reference("05_cgan_losses", "class_grids", "cgan-fashion/class_grids.png", "one row per class, per loss"),
)


class ReferenceFigureError(GanCourseError):
    """A reference figure cannot be built (its stored result is missing) or is unknown."""


@dataclass
class ReferenceReport:
    """What :func:`build_references` wrote (or would write): ``files`` maps every generated path
    to its bytes; ``stale`` lists those that differ on disk (and obsolete PNGs), with ``check``."""

    files: dict[Path, bytes] = field(default_factory=dict)
    stale: list[Path] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


# -- building ------------------------------------------------------------------------------


def _candidates(source: str) -> list[str]:
    """``losses/gan/samples/x.png``, then ``losses/gan/seed-0/samples/x.png`` (comparison/member/...)."""
    parts = source.split("/")
    return [source] + (["/".join([*parts[:2], SEED_RUN, *parts[2:]])] if len(parts) > 3 else [])


def _source_file(ref: Reference, results: Path) -> Path:
    for candidate in _candidates(ref.source):
        matches = sorted(results.glob(candidate)) if LAST in candidate else [results / candidate]
        if matches and matches[-1].is_file():
            return matches[-1]
    top = ref.source.split("/", 1)[0]
    raise ReferenceFigureError(f"reference {ref.assignment}/{ref.name} needs {RESULTS_PREFIX}/{ref.source}, which is not in "
                               f"{results}; regenerate the stored result (python book/reproduce.py --only {top}) or fix "
                               "its source in gan_course/course/references.py")


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _stored_run(source: Path, results: Path) -> Path:
    """The folder of ``source`` that is a stored run (metrics.json) or comparison (comparison.json)."""
    for folder in source.parents:
        if folder == results or not folder.is_relative_to(results):
            break
        if (folder / "metrics.json").is_file() or (folder / "comparison.json").is_file():
            return folder
    return source.parent


def _rounded(value):
    return round(value, 4) if isinstance(value, float) else value


def _member_config(comparison: dict, member: str) -> str | None:
    """The shipped config of ``member`` in the comparison file ``comparison`` was made from, if readable."""
    try:
        import yaml

        source = paths.course_dir() / comparison.get("source", "")
        config = yaml.safe_load(source.read_text(encoding="utf-8")).get("members", {}).get(member)
    except (OSError, AttributeError, ValueError, ImportError):
        return None
    return config if isinstance(config, str) else None


def _provenance(folder: Path) -> tuple[dict, dict]:
    """({"config", "comparison", "member"} as known, numbers) of a stored run or comparison folder."""
    comparison = _read_json(folder / "comparison.json")
    if comparison:
        numbers = {}
        for row in comparison.get("rows", []):
            keys = [k for k in row if (k in COMPARISON_COLUMNS or "accuracy" in k) and row[k] is not None]
            numbers[str(row.get("run_dir", row.get("strategy")))] = {k: _rounded(row[k]) for k in keys}
        return {"comparison": comparison.get("source")}, numbers
    metrics = _read_json(folder / "metrics.json")
    numbers = {k: _rounded(v) for k, v in metrics.get("metrics", {}).items()}
    training = metrics.get("training", {})
    numbers.update({k: _rounded(training[k]) for k in ("epochs", "train_time_s") if k in training})
    member = folder.parent if folder.name.startswith("seed-") else folder  # <member>/seed-<s>/ over seeds
    parent = _read_json(member.parent / "comparison.json")
    if parent:
        return {"config": _member_config(parent, member.name), "comparison": parent.get("source"),
                "member": member.name}, numbers
    argv = [a for command in _read_json(folder / "run.json").get("commands", []) for a in command.get("argv", [])]
    return {"config": argv[argv.index("--config") + 1] if "--config" in argv[:-1] else None}, numbers


def caption(entry: dict) -> str:
    """One line for a notebook: the stored run, its config and the number it shows, e.g.
    ``book/results/ring (config ring, 22 epochs): energy distance 0.0411``."""
    numbers, where, shows = entry["numbers"], [], ""
    if entry.get("config"):
        where.append(f"config {entry['config']}")
    elif entry.get("comparison"):
        where.append(entry["comparison"])
    if numbers and all(isinstance(v, dict) for v in numbers.values()):  # a comparison: one headline per run
        key = next((k for k in HEADLINE if all(k in v for v in numbers.values())), None)
        if key:
            shows = "FID " + ", ".join(f"{run} {v[key]:.1f}" for run, v in numbers.items())
    else:
        if "epochs" in numbers:
            where.append(f"{numbers['epochs']} epochs")
        key = next((k for k in HEADLINE if k in numbers), None)
        if key:
            shows = f"{'FID' if key == 'fid' else key.replace('_', ' ')} {numbers[key]:.3g}"
    return entry["run"] + (f" ({', '.join(where)})" if where else "") + (f": {shows}" if shows else "")


def build_references(*, results_dir: Path | None = None, out_dir: Path | None = None, check: bool = False,
                     dry_run: bool = False) -> ReferenceReport:
    """Copy every reference PNG of :data:`REFERENCES` from the stored results and write
    ``references.json``; ``check``: write nothing, list in ``stale`` what differs on disk.

    results_dir: the stored results (default :func:`gan_course.paths.book_results_dir`).
    out_dir: where the references go (default :data:`REFERENCES_DIR`).
    dry_run: resolve every source and report the files, write nothing.
    Raises :class:`ReferenceFigureError` naming the fix when a stored result is missing.
    """
    results = Path(results_dir or paths.book_results_dir()).resolve()
    out = Path(out_dir or REFERENCES_DIR)
    report, entries = ReferenceReport(), []
    for ref in REFERENCES:
        source = _source_file(ref, results)
        data = source.read_bytes()
        folder = _stored_run(source, results)
        made_by, numbers = _provenance(folder)
        entry = {"assignment": ref.assignment, "name": ref.name, "what": ref.what,
                 "file": f"{PACKAGE_PREFIX}/{ref.file}",
                 "source": f"{RESULTS_PREFIX}/{source.relative_to(results).as_posix()}",
                 "sha256": hashlib.sha256(data).hexdigest(),
                 "run": f"{RESULTS_PREFIX}/{folder.relative_to(results).as_posix()}",
                 **made_by, "numbers": numbers}
        entry["caption"] = caption(entry)
        entries.append(entry)
        report.files[out / ref.file] = data
    manifest = {"format": 1, "command": COMMAND, "references": entries}
    report.files[out / MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    if dry_run:
        return report
    obsolete = [p for p in sorted(out.glob("*/*.png")) if p not in report.files]
    for target, content in report.files.items():
        if (target.read_bytes() if target.is_file() else None) != content:
            if check:
                report.stale.append(target)
            else:
                write_bytes_atomic(target, content)
                report.written.append(target)
    if check:
        report.stale += obsolete
    else:
        for path in obsolete:
            path.unlink()
            report.written.append(path)
    return report


# -- showing -------------------------------------------------------------------------------


def _assignment_id(assignment: str) -> str:
    """``"01"`` or ``"01_vanilla_dcgan"`` -> ``"01_vanilla_dcgan"``."""
    found = [a for a in ASSIGNMENTS if a == assignment or a.split("_", 1)[0] == str(assignment)]
    if not found:
        raise ReferenceFigureError(f"unknown assignment {assignment!r}; use one of: {', '.join(ASSIGNMENTS)}")
    return found[0]


def load_reference(assignment: str, name: str, *, directory: Path | None = None) -> tuple[object, dict]:
    """(image array ``(H, W, 4)`` in [0, 1], its ``references.json`` entry) of a registered reference.

    Raises :class:`ReferenceFigureError` naming the problem when it is unknown, missing or unreadable.
    """
    from matplotlib.image import imread

    directory = Path(directory or REFERENCES_DIR)
    key = f"{_assignment_id(assignment)}/{name}"
    if not any(ref.file == f"{key}.png" for ref in REFERENCES):
        raise ReferenceFigureError(f"no reference figure {key!r} is registered; choose one of: "
                             f"{', '.join(ref.file[:-4] for ref in REFERENCES)}")
    path = directory / f"{key}.png"
    try:
        entries = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["references"]
        entry = next(e for e in entries if f"{e['assignment']}/{e['name']}" == key)
        return imread(io.BytesIO(path.read_bytes()), format="png"), entry
    except (OSError, KeyError, StopIteration, ValueError, SyntaxError) as error:
        raise ReferenceFigureError(f"the reference figure {key} cannot be read from {directory} ({type(error).__name__}: "
                             f"{error}); an instructor regenerates it with `{COMMAND}`") from None


def _missing(assignment: str, name: str, error: Exception) -> None:
    print(f"(no healthy-run reference to show for {assignment}/{name}: {error}. Your figure stands alone; "
          "carry on with the notebook.)")


def _image_of(figure) -> object:
    from matplotlib.image import imread

    from gan_course.plotting import SAVE_DPI

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=SAVE_DPI)
    buffer.seek(0)
    return imread(buffer, format="png")


MAX_HEIGHT_IN = 4.5  # panels of show_beside share one height, at most this
MAX_WIDTH_IN = 15.0  # and together never wider than this
TITLE_CHARS_PER_IN = 13  # characters of a 9-point title per inch of panel


def _panels(images: list, titles: list[str]):
    """One figure of ``images`` (``(H, W, C)`` arrays) side by side at one height, each titled."""
    import textwrap

    from matplotlib.figure import Figure

    from gan_course.plotting import SAVE_DPI

    height = min(MAX_HEIGHT_IN, max(image.shape[0] for image in images) / SAVE_DPI)
    widths = [height * image.shape[1] / image.shape[0] for image in images]
    scale = min(1.0, MAX_WIDTH_IN / sum(widths))
    fig = Figure(figsize=(sum(widths) * scale, height * scale + 0.6), layout="constrained")
    axes = fig.subplots(1, len(images), width_ratios=widths, squeeze=False)[0]
    for ax, image, title, width in zip(axes, images, titles, widths):
        ax.imshow(image, interpolation="lanczos")
        ax.set_title(textwrap.fill(title, max(20, int(width * scale * TITLE_CHARS_PER_IN)), break_on_hyphens=False), fontsize=9)
        ax.axis("off")
    return fig


def reference_figure(assignment: str, name: str):
    """A figure of the stored healthy run's ``name`` figure of ``assignment``, captioned with its
    provenance; None (and a printed message) when it cannot be shown."""
    try:
        image, entry = load_reference(assignment, name)
        return _panels([image], [f"a healthy run: {entry['caption']}"])
    except Exception as error:  # noqa: BLE001 - a reference must never stop a notebook
        _missing(assignment, name, error)
        return None


def show_beside(student_figure, assignment: str, name: str, *, label: str = "your run"):
    """The student's matplotlib figure (left) beside the stored healthy run's (right), as one figure.

    When the reference cannot be shown, prints why and returns ``student_figure`` unchanged.
    """
    try:
        image, entry = load_reference(assignment, name)
        return _panels([_image_of(student_figure), image], [label, f"a healthy run: {entry['caption']}"])
    except Exception as error:  # noqa: BLE001 - a reference must never stop a notebook
        _missing(assignment, name, error)
        return student_figure


def show_reference(assignment: str, *names: str) -> None:
    """Display the stored healthy run's figures ``names`` of ``assignment`` (one message for each that
    cannot be shown); for a cell of its own after the student's figures."""
    from IPython.display import display

    for name in names:
        figure = reference_figure(assignment, name)
        if figure is not None:
            display(figure)


__all__ = [
    "REFERENCES", "REFERENCES_DIR", "Reference", "ReferenceFigureError", "ReferenceReport", "build_references",
    "caption", "load_reference", "reference_figure", "show_beside", "show_reference",
]
