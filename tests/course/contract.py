"""The course contract of COURSE.md as data, and readers for the generated notebooks.

``FUNCTIONS[assignment]`` lists every graded function or class with its signature exactly as
COURSE.md fixes it (defaults included); ``WRITTEN_ANSWERS[assignment]`` names its manually graded written answers.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from gan_course import paths
from gan_course.course.build import release_path, solution_path
from gan_course.course.contract import ASSIGNMENTS, SETUP_TAG, cell_source, nbgrader_metadata, split_test

FUNCTIONS = {
    "01_vanilla_dcgan": {
        "discriminator_loss": "real_logits, fake_logits, real_label=1.0",
        "generator_loss": "fake_logits",
        "minimax_generator_loss": "fake_logits",
        "discriminator_scores": "real_logits, fake_logits",
        "dcgan_weights_init": "module",
    },
    "02_ring_gan": {
        "RingDataset": "n=10000, seed=0",  # __init__ without self
        "make_generator": "latent_dim=100",
        "make_discriminator": "",
        "discriminator_step": "G, D, opt_d, real, z, real_label=0.9",
        "generator_step": "G, D, opt_g, z",
        "energy_distance": "a, b",
        "gda_trajectory": "x0, y0, lr, steps, alternating=False",
    },
    "03_dcgan_faces": {
        "make_dcgan_generator": "latent_dim=100, channels=3, width=64",
        "make_dcgan_discriminator": "channels=3, width=64",
        "lerp": "z0, z1, steps",
        "slerp": "z0, z1, steps",
        "truncated_noise": "n, latent_dim, threshold, generator=None",
    },
    "04_wgan_sngan": {
        "critic_loss": "real_scores, fake_scores",
        "wasserstein_generator_loss": "fake_scores",
        "clip_weights": "critic, clip_value=0.01",
        "gradient_penalty": "critic, real, fake, weight=10.0, eps=None",
        "critic_step": "critic, generator, opt_c, real, z, penalty=None, clip_value=None",
        "hinge_discriminator_loss": "real_logits, fake_logits",
        "hinge_generator_loss": "fake_logits",
        "add_spectral_norm": "module",
    },
    "05_cgan_losses": {
        "lsgan_discriminator_loss": "real_out, fake_out, real_label=1.0",
        "lsgan_generator_loss": "fake_out",
        "conditional_input": "z, labels, num_classes=10",
        "projection_logits": "features, labels, head, embedding",
        "icnr_": "weight, upscale_factor=2",
        "frechet_distance": "mu1, sigma1, mu2, sigma2",
        "kernel_inception_distance": "feats_real, feats_fake",
    },
}
# COURSE.md's written answers: the grade_ids of the manually graded markdown cells, in notebook order
WRITTEN_ANSWERS = {
    "01_vanilla_dcgan": ("saturation_answer", "optimal_discriminator_answer", "loss_curves_answer"),
    "02_ring_gan": ("facsimile_answer", "gda_answer"),
    "03_dcgan_faces": ("interpolation_answer", "truncation_answer", "memorisation_answer"),
    "04_wgan_sngan": ("comparison_answer", "wasserstein_fid_answer", "clipping_answer"),
    "05_cgan_losses": ("strategy_answer", "lsgan_answer", "icnr_answer"),
}
SETUP_MODULES = {"math", "numpy", "scipy", "scipy.linalg", "torch", "torch.nn", "torch.nn.functional", "torch.utils.data"}


def course_root() -> Path:
    return paths.course_dir()


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(assignment: str) -> dict:
    """The committed nbgrader source notebook ``solutions/<id>/<id>.ipynb`` as JSON."""
    return load(solution_path(assignment, course_dir=course_root()))


def released(assignment: str) -> dict:
    """The committed student version ``assignments/<id>/<id>.ipynb`` as JSON."""
    return load(release_path(assignment, course_dir=course_root()))


text = cell_source
meta = nbgrader_metadata


def by_grade_id(notebook: dict) -> dict[str, tuple[int, dict]]:
    return {meta(c)["grade_id"]: (i, c) for i, c in enumerate(notebook["cells"]) if meta(c).get("grade_id")}


def setup_cells(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if SETUP_TAG in c.get("metadata", {}).get("tags", [])]


def signature(code: str, name: str) -> str | None:
    """The parameters of the top-level ``def name`` (or ``class name``'s ``__init__`` without
    self) in ``code``, as source text; None when it is not defined there."""
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.unparse(node.args)
        if isinstance(node, ast.ClassDef) and node.name == name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = ast.unparse(item.args)
                    return args.removeprefix("self, ").removeprefix("self")
    return None


__all__ = ["ASSIGNMENTS", "FUNCTIONS", "SETUP_TAG", "split_test"]
