# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 03 — A DCGAN for faces, and a walk through its latent space
#
# The DCGAN of Radford et al. 2015 (*Unsupervised Representation Learning with Deep Convolutional
# GANs*, https://arxiv.org/abs/1511.06434) was the first GAN architecture that trained reliably on
# 64x64 natural images such as faces. You build its generator, train it, and then explore what it
# learnt by moving through its latent space: linear and spherical interpolation (White 2016,
# *Sampling Generative Networks*, https://arxiv.org/abs/1609.04468) and the truncation trick
# (Brock et al. 2019, *BigGAN*, https://arxiv.org/abs/1809.11096). Finally you ask whether the
# generator merely memorised its training set.
#
# **How to work.** Fill in every `raise NotImplementedError()`, run the test cell below it;
# `gan-course check 03_dcgan_faces` runs all visible tests. Graded code may use only the
# `grader-setup` imports (`torch`, `torch.nn`, `torch.nn.functional`, `numpy`, `math`), never `gan_course`.

# %% nbgrader={"grade": false, "grade_id": "setup_imports", "locked": true, "schema_version": 3, "solution": false} tags=["grader-setup"]
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# %%
# %matplotlib inline
from gan_course import budget
from gan_course.data import load_dataset, synthetic_like
from gan_course.errors import DatasetNotFoundError
from gan_course.models import build_models, dcgan_weights_init
from gan_course.plotting import image_grid, interpolation_strip, plot_losses, plot_scores
from gan_course.train import TrainConfig, train

torch.set_num_threads(budget.pick(full=torch.get_num_threads(), grader=1))
print("budget:", budget.current())

# %% [markdown]
# ## 1. The DCGAN generator
#
# The generator turns a latent vector into an image with a stack of **transposed convolutions**,
# each doubling the spatial size, with BatchNorm and ReLU in between and `tanh` at the end (images
# live in $[-1, 1]$). With `width` $= w$ (called `ngf` in the PyTorch example) feature maps in the
# last hidden layer:
#
# | layer | output shape | |
# |---|---|---|
# | `ConvTranspose2d(latent_dim, 8w, 4, stride 1, padding 0)` + BN + ReLU | `(B, 8w, 4, 4)` | project $z$ to a 4x4 map |
# | `ConvTranspose2d(8w, 4w, 4, 2, 1)` + BN + ReLU | `(B, 4w, 8, 8)` | |
# | `ConvTranspose2d(4w, 2w, 4, 2, 1)` + BN + ReLU | `(B, 2w, 16, 16)` | |
# | `ConvTranspose2d(2w, w, 4, 2, 1)` + BN + ReLU | `(B, w, 32, 32)` | |
# | `ConvTranspose2d(w, channels, 4, 2, 1)` + tanh | `(B, channels, 64, 64)` | |
#
# A transposed convolution with kernel 4, stride 2 and padding 1 maps $H$ to $2H$:
# $(H - 1)\cdot 2 - 2\cdot 1 + 4 = 2H$. The convolutions need no bias (`bias=False`): the BatchNorm
# that follows has its own shift. The generator must accept $z$ of shape `(B, latent_dim)` **and**
# `(B, latent_dim, 1, 1)` (`nn.Flatten` then `nn.Unflatten` handle both inside an `nn.Sequential`).

# %% nbgrader={"grade": false, "grade_id": "make_dcgan_generator", "locked": false, "schema_version": 3, "solution": true}
def make_dcgan_generator(latent_dim=100, channels=3, width=64):
    """The DCGAN generator: (B, latent_dim) or (B, latent_dim, 1, 1) -> (B, channels, 64, 64) in [-1, 1]."""
    ### BEGIN SOLUTION
    w = width  # ngf: feature maps of the last hidden layer
    return nn.Sequential(
        nn.Flatten(),  # (B, latent_dim)
        nn.Unflatten(1, (latent_dim, 1, 1)),  # (B, latent_dim, 1, 1)
        nn.ConvTranspose2d(latent_dim, 8 * w, 4, 1, 0, bias=False), nn.BatchNorm2d(8 * w), nn.ReLU(True),  # (B, 8w, 4, 4)
        nn.ConvTranspose2d(8 * w, 4 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(True),  # (B, 4w, 8, 8)
        nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(True),  # (B, 2w, 16, 16)
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True),  # (B, w, 32, 32)
        nn.ConvTranspose2d(w, channels, 4, 2, 1, bias=False), nn.Tanh(),  # (B, channels, 64, 64)
    )
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_make_dcgan_generator", "locked": true, "points": 3, "schema_version": 3, "solution": false}
torch.manual_seed(0)
G = make_dcgan_generator(latent_dim=16, channels=1, width=8)
assert isinstance(G, nn.Module), "return an nn.Module"
z = torch.randn(3, 16)
out = G(z)
assert out.shape == (3, 1, 64, 64), "the generator maps (B, latent_dim) to (B, channels, 64, 64)"
assert out.min() >= -1 and out.max() <= 1, "images live in [-1, 1]: end with tanh"
G.eval()
assert torch.allclose(G(z), G(z.view(3, 16, 1, 1))), "z of shape (B, latent_dim, 1, 1) must give the same images"
convs = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
assert [(m.in_channels, m.out_channels) for m in convs] == [(16, 64), (64, 32), (32, 16), (16, 8), (8, 1)], \
    "the transposed convolutions go latent_dim -> 8w -> 4w -> 2w -> w -> channels (w = width)"
assert sum(isinstance(m, nn.BatchNorm2d) for m in G.modules()) == 4, "BatchNorm after each of the four hidden layers"
assert sum(p.numel() for p in make_dcgan_generator().parameters()) == 3576704, \
    "with the defaults (latent_dim=100, channels=3, width=64) the DCGAN generator has 3,576,704 parameters; " \
    "did you keep bias=False in the convolutions?"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.checks import check
check("03_dcgan_faces", "make_dcgan_generator", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Walking between two latent vectors
#
# To see what the generator learnt we decode a path $z(t)$, $t \in [0, 1]$, between two latents.
# **Linear interpolation** is $z(t) = (1-t)\,z_0 + t\,z_1$.
#
# But $z \sim \mathcal N(0, I_d)$ concentrates on a thin shell of radius about $\sqrt d$: in $d = 100$
# dimensions almost every sample has $\|z\| \approx 10$. The midpoint of two independent samples has
# norm about $\sqrt{d/2} \approx 7$: lerp walks *inside* the shell, through latents the generator
# hardly ever saw. **Spherical interpolation** (slerp; Shoemake 1985) follows the great circle instead.
# With $\Omega$ the angle between $z_0/\|z_0\|$ and $z_1/\|z_1\|$,
#
# $$\operatorname{slerp}(z_0, z_1; t) = \frac{\sin\big((1-t)\Omega\big)}{\sin\Omega}\,z_0 + \frac{\sin(t\Omega)}{\sin\Omega}\,z_1 .$$
#
# When $z_0$ and $z_1$ are parallel or anti-parallel ($\sin\Omega = 0$) the great circle is undefined:
# fall back to lerp. Both functions take vectors of shape `(d,)` and return `(steps, d)`, endpoints
# included (`torch.linspace(0, 1, steps)`). Clamp the cosine into $[-1, 1]$ before `arccos`.

# %% nbgrader={"grade": false, "grade_id": "lerp", "locked": false, "schema_version": 3, "solution": true}
def lerp(z0, z1, steps):
    """Linear interpolants from z0 to z1, endpoints included: (d,), (d,) -> (steps, d)."""
    ### BEGIN SOLUTION
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device).unsqueeze(1)  # (steps, 1)
    return (1 - t) * z0 + t * z1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lerp", "locked": true, "points": 1, "schema_version": 3, "solution": false}
z0, z1 = torch.tensor([0.0, 2.0]), torch.tensor([4.0, -2.0])
path = lerp(z0, z1, 5)
assert path.shape == (5, 2), "return (steps, d): one interpolant per row"
assert torch.allclose(path[0], z0) and torch.allclose(path[-1], z1), "include both endpoints"
assert torch.allclose(path[2], torch.tensor([2.0, 0.0])), "the middle of five steps is the midpoint (z0 + z1) / 2"
assert torch.allclose(path[1] - path[0], path[3] - path[2]), "linear interpolants are evenly spaced"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.checks import check
check("03_dcgan_faces", "lerp", globals())
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "slerp", "locked": false, "schema_version": 3, "solution": true}
def slerp(z0, z1, steps):
    """Spherical interpolants from z0 to z1, endpoints included: (d,), (d,) -> (steps, d); lerp when (anti)parallel."""
    ### BEGIN SOLUTION
    cos = torch.dot(z0 / z0.norm(), z1 / z1.norm()).clamp(-1.0, 1.0)
    if 1 - cos.abs() < 1e-6:  # (anti)parallel: the great circle is undefined
        return lerp(z0, z1, steps)
    omega = torch.arccos(cos)
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device).unsqueeze(1)  # (steps, 1)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_slerp", "locked": true, "points": 2, "schema_version": 3, "solution": false}
e0, e1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
path = slerp(e0, e1, 3)
assert path.shape == (3, 2), "return (steps, d)"
assert torch.allclose(path[0], e0, atol=1e-6) and torch.allclose(path[-1], e1, atol=1e-6), "include both endpoints"
assert torch.allclose(path[1], torch.tensor([1.0, 1.0]) / math.sqrt(2), atol=1e-6), \
    "halfway along the quarter circle from (1, 0) to (0, 1) is (1, 1) / sqrt(2)"
torch.manual_seed(0)
a, b = torch.randn(100), torch.randn(100)
b = b * a.norm() / b.norm()
norms = slerp(a, b, 9).norm(dim=1)
assert torch.allclose(norms, torch.full((9,), a.norm().item()), rtol=1e-4), \
    "between two vectors of equal norm, slerp keeps the norm constant (it follows the sphere)"
parallel = slerp(torch.tensor([1.0, 1.0]), torch.tensor([2.0, 2.0]), 3)
assert torch.isfinite(parallel).all() and torch.allclose(parallel[1], torch.tensor([1.5, 1.5])), \
    "for parallel vectors sin(omega) = 0: fall back to lerp instead of dividing by zero"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.checks import check
check("03_dcgan_faces", "slerp", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The truncation trick
#
# Brock et al. (section 3.1) sample $z$ from a **truncated** normal at test time: every entry with
# $|z_i| > \tau$ is redrawn until it falls inside. Small $\tau$ keeps the generator in the
# well-trained centre of its latent space — higher fidelity, less variety; $\tau \to \infty$ is
# ordinary sampling. Resample, do not clamp: clamping piles all the rejected mass onto $\pm\tau$.
# Draw from `generator` when one is given (`torch.randn(..., generator=generator)`), so that results
# are reproducible.

# %% nbgrader={"grade": false, "grade_id": "truncated_noise", "locked": false, "schema_version": 3, "solution": true}
def truncated_noise(n, latent_dim, threshold, generator=None):
    """(n, latent_dim) standard normals, every entry redrawn (from `generator`) until |z| <= threshold."""
    ### BEGIN SOLUTION
    z = torch.randn(n, latent_dim, generator=generator)
    outside = z.abs() > threshold
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=generator)
        outside = z.abs() > threshold
    return z
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_truncated_noise", "locked": true, "points": 2, "schema_version": 3, "solution": false}
z = truncated_noise(2000, 50, 1.0, generator=torch.Generator().manual_seed(0))
assert z.shape == (2000, 50), "return (n, latent_dim)"
assert z.abs().max() <= 1.0, "every entry must satisfy |z| <= threshold"
assert (z.abs() > 0.999).float().mean() < 0.01, \
    "almost no entry should sit on the threshold: resample the entries outside, do not clamp them"
assert abs(z.std().item() - 0.5396) < 0.01, \
    "a standard normal truncated to [-1, 1] has standard deviation 0.54: draw from N(0, 1), then resample"
again = truncated_noise(2000, 50, 1.0, generator=torch.Generator().manual_seed(0))
assert torch.equal(z, again), "draw every number from `generator`, so the same seed gives the same noise"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from autograder.checks import check
check("03_dcgan_faces", "truncated_noise", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Train a DCGAN on faces
#
# The course's data are CelebA's aligned faces (Liu et al. 2015), centre-cropped to 64x64, or any
# folder of face images (set `FACES_DIR`). CelebA cannot be downloaded offline; where neither is on
# the machine, the next cell says so and falls back to Fashion-MNIST resized to 64x64 (so the
# "faces" are clothes), and to tiny synthetic images if even that is missing.

# %%
FACES_DIR = None  # e.g. "~/data/faces": any folder of face images (subfolders allowed)
N_IMAGES = budget.pick(full=10000, grader=128)
data, DATASET = None, None
for DATASET, options in (("celeba", {}), ("folder", {"path": FACES_DIR}), ("fashion-mnist", {"image_size": 64})):
    if DATASET == "folder" and FACES_DIR is None:
        continue
    try:
        data = load_dataset(DATASET, max_items=N_IMAGES, **options)
        break
    except DatasetNotFoundError as error:
        print(f"{DATASET} is not available here: {str(error)[:160]}...")
if data is None:
    print("no image data found: training on tiny synthetic 64x64 images instead")
    DATASET, data = "celeba", synthetic_like("celeba", n=256)
print("training on", data)
image_grid(data.sample(32, generator=torch.Generator().manual_seed(0))[0], title=f"real: {data.name}")

# %% [markdown]
# The discriminator is the DCGAN's (strided convolutions, BatchNorm, LeakyReLU(0.2)) from the
# package; the generator is **yours**, initialised as in assignment 01. The package's trainer calls
# every generator as `G(z, labels)` and reads its `latent_dim`; the small wrapper below gives your
# unconditional generator that interface (it ignores the labels).
#
# The objective is assignment 01's BCE with **one-sided label smoothing** (real target 0.9): at 64x64
# the discriminator easily wins the first few hundred steps outright (its loss drops to 0 and the
# generator's gradient with it), most of all on the simple fallback data; smoothing keeps it from
# becoming certain. The optimiser is Adam($2\cdot10^{-4}$, $\beta_1 = 0.5$). On a laptop CPU we
# train a narrower model (`width` 24 instead of 64, about 1/7 of the computation) on 10,000 images for
# 4 epochs; a GPU trains the full-size model on all of CelebA in minutes.

# %%
class Unconditional(nn.Module):
    """Your generator behind the trainer's interface: G(z, labels=None) -> net(z), with `latent_dim`."""

    def __init__(self, net, latent_dim):
        super().__init__()
        self.net, self.latent_dim = net, latent_dim

    def forward(self, z, labels=None):
        return self.net(z)  # (B, latent_dim) -> (B, C, 64, 64)


WIDTH, LATENT_DIM = budget.pick(full=24, grader=8), 100
config = TrainConfig(
    name="03-dcgan-faces", model="dcgan", dataset=DATASET, dataset_path=FACES_DIR, image_size=64,
    strategy="gan", seed=0, latent_dim=LATENT_DIM, width=WIDTH, real_label=0.9,
    epochs=budget.pick(full=4, grader=1),
    max_steps=budget.pick(full=None, grader=3),
    batch_size=budget.pick(full=64, grader=16),
    log_every=budget.pick(full=10, grader=1),
)
torch.manual_seed(0)
G = make_dcgan_generator(latent_dim=LATENT_DIM, channels=data.shape[0], width=WIDTH)
G.apply(dcgan_weights_init)
_, D = build_models("dcgan", data_shape=data.shape, width=WIDTH)
result = train(config, data=data, generator=Unconditional(G, LATENT_DIM), discriminator=D, overwrite=True)
print(f"{result.steps} steps in {result.train_time:.1f} s")

# %%
plot_losses(result.history, title="DCGAN on faces: losses")

# %%
plot_scores(result.history, title="mean D(x) and D(G(z))")


# %%
@torch.no_grad()
def decode(z):
    """Your generator's images for latents z (N, latent_dim), in eval mode (BatchNorm running statistics)."""
    G.eval()
    images = G(z.to(next(G.parameters()).device)).cpu()  # (N, C, 64, 64), wherever G was trained
    G.train()
    return images


image_grid(decode(torch.randn(64, LATENT_DIM, generator=torch.Generator().manual_seed(1))),
           title=f"generated after {result.epochs} epoch(s)")

# %% [markdown]
# ### Interpolation: lerp against slerp
#
# Two strips per pair of endpoints, decoded by your generator along your `lerp` and `slerp` paths.
# The norms along each path show why slerp is the safer walk.

# %%
STEPS = 10
ends = torch.randn(4, LATENT_DIM, generator=torch.Generator().manual_seed(2))
strips, labels = [], []
for k in range(2):
    for name, method in (("lerp", lerp), ("slerp", slerp)):
        strips.append(decode(method(ends[2 * k], ends[2 * k + 1], STEPS)))
        labels.append(f"{name} {k + 1}")
for name, method in (("lerp", lerp), ("slerp", slerp)):
    norms = method(ends[0], ends[1], STEPS).norm(dim=1)
    print(f"{name:5s} |z| along the path: " + " ".join(f"{v:5.2f}" for v in norms.tolist()))
interpolation_strip(torch.stack(strips), labels=labels, title="latent interpolation")

# %% [markdown]
# ### Truncation: fidelity against variety
#
# One row per threshold $\tau$, the same seed in every row; the spread between samples (mean
# per-pixel standard deviation across the row) shrinks as $\tau$ does.

# %%
rows, row_labels = [], []
for tau in (0.5, 1.0, 2.0, float("inf")):
    z = truncated_noise(10, LATENT_DIM, tau, generator=torch.Generator().manual_seed(3))
    rows.append(decode(z))
    row_labels.append(f"tau = {tau:g}")
    print(f"tau = {tau:>4g}: spread between samples {rows[-1].std(dim=0).mean().item():.3f}")
interpolation_strip(torch.stack(rows), labels=row_labels, title="truncation trick")

# %% [markdown]
# ### Did the generator memorise its training set?
#
# For a few generated images we search the training set for the nearest image in pixel space
# (Euclidean distance over all pixels). Top row: generated; bottom row: its nearest training image.
# For scale, the same search for a few *training* images, leaving out the image itself: a copy would be
# at distance 0, a new image about as far as one training image is from its nearest other one.
# Pixel distance is a crude similarity (a shifted copy is "far"), but it does catch copies.

# %%
@torch.no_grad()
def nearest_training_images(images, *, skip_identical=False):
    """For images (N, C, H, W): distance (N,) to the nearest training image, and that image."""
    best, nearest = torch.full((len(images),), float("inf")), torch.zeros_like(images)
    for real, _ in data.batches(256, drop_last=False, shuffle=False):  # the whole training set, in chunks
        distances = torch.cdist(images.flatten(1), real.flatten(1), compute_mode="donot_use_mm_for_euclid_dist")
        if skip_identical:
            distances[distances == 0] = float("inf")  # the query image itself (exactly 0 without the mm shortcut)
        value, index = distances.min(dim=1)
        closer = value < best
        best[closer], nearest[closer] = value[closer], real[index[closer]]
    return best, nearest


generated = decode(torch.randn(8, LATENT_DIM, generator=torch.Generator().manual_seed(4)))  # (8, C, 64, 64)
generated_distance, nearest = nearest_training_images(generated)
real_distance, _ = nearest_training_images(data.sample(8, generator=torch.Generator().manual_seed(5))[0],
                                           skip_identical=True)
print("generated -> nearest training image:", " ".join(f"{v:5.1f}" for v in generated_distance.tolist()))
print("training  -> nearest other one:     ", " ".join(f"{v:5.1f}" for v in real_distance.tolist()))
interpolation_strip(torch.stack([generated, nearest]), labels=["generated", "nearest real"],
                    title="nearest neighbours in the training set")

# %% [markdown]
# ## 5. Written answer
#
# Are the generated faces in the training set? **Show nearest neighbours** (use the figure above,
# trained with the full budget) and argue from them. Discuss what pixel-space nearest neighbours can
# and cannot prove, and how you would make the test stronger.

# %% [markdown] nbgrader={"grade": true, "grade_id": "memorisation_answer", "locked": false, "points": 4, "schema_version": 3, "solution": true}
# **Model answer (for graders).** No: the nearest training images resemble the samples in coarse
# attributes (pose, hair or garment shape, brightness) but differ in identity and detail, and their
# pixel distances are of the same order as (typically larger than) a training image's distance to its
# nearest other training image, not near zero as a copy would be. The generator has ~1M parameters and saw each image only a few times, far
# too little to store 10,000 images; GANs can memorise tiny data sets, so the test matters.
# Limitations a good answer names: pixel distance is not perceptual (a one-pixel shift or a colour
# change makes a copy "far", a blurry average can be "near"); only a few samples and one direction
# were checked; a stronger test uses a feature space (e.g. a classifier's or Inception features, as
# in assignment 05), many samples, the distribution of nearest-neighbour distances of generated vs
# held-out real images, and crops or flips of the training images. Full marks: a clear verdict backed
# by the figure (2), a limitation of pixel-space neighbours (1), a stronger test (1).
