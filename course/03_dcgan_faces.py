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
# 64x64 natural images such as faces. You build both its networks, train them on faces (or, on a machine
# without face images, on Fashion-MNIST's clothes: section 5 says which), and then explore what the
# generator learnt by moving through its latent space: linear and spherical interpolation (White 2016,
# *Sampling Generative Networks*, https://arxiv.org/abs/1609.04468) and the truncation trick
# (Brock et al. 2019, *BigGAN*, https://arxiv.org/abs/1809.11096). Finally you ask whether the
# generator merely memorised its training set. Three written answers interpret the numbers and figures
# your own run produces.
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
from gan_course.models import dcgan_weights_init
from gan_course.course.references import show_beside
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
G_default = make_dcgan_generator()
assert G_default(torch.randn(2, 100)).shape == (2, 3, 64, 64), "the defaults are latent_dim=100, channels=3"
assert [m.out_channels for m in G_default.modules() if isinstance(m, nn.ConvTranspose2d)][-2] == 64, \
    "the default width is 64 (ngf: the feature maps of the last hidden layer)"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("03_dcgan_faces", "make_dcgan_generator", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 2. The DCGAN discriminator
#
# The discriminator mirrors the generator: **strided convolutions** halve the image at every layer
# (no pooling), each hidden one followed by BatchNorm and LeakyReLU(0.2), until a last convolution
# turns the $4 \times 4$ map into one **logit** per image. With `width` $= w$ (called `ndf` in the
# PyTorch example) feature maps in the *first* layer:
#
# | layer | output shape | |
# |---|---|---|
# | `Conv2d(channels, w, 4, stride 2, padding 1)` + LeakyReLU(0.2) | `(B, w, 32, 32)` | no BatchNorm here |
# | `Conv2d(w, 2w, 4, 2, 1)` + BN + LeakyReLU(0.2) | `(B, 2w, 16, 16)` | |
# | `Conv2d(2w, 4w, 4, 2, 1)` + BN + LeakyReLU(0.2) | `(B, 4w, 8, 8)` | |
# | `Conv2d(4w, 8w, 4, 2, 1)` + BN + LeakyReLU(0.2) | `(B, 8w, 4, 4)` | |
# | `Conv2d(8w, 1, 4, stride 1, padding 0)` | `(B, 1, 1, 1)` | reshape to `(B,)` |
#
# A convolution with kernel 4, stride 2 and padding 1 maps $H$ to $\lfloor (H + 2 - 4)/2 \rfloor + 1 = H/2$.
# Three choices of Radford et al. (section 3) matter here. *LeakyReLU* instead of ReLU: the generator
# learns only through $D$'s gradient, and a ReLU passes none for negative inputs. *No BatchNorm on the
# input layer*: BatchNorm on every layer made their training oscillate and unstable. *No sigmoid*:
# return the raw logit $D(x)$; the loss turns it into the probability $\sigma(D(x))$, stably. As in the
# generator, `bias=False` is customary before a BatchNorm (its shift makes a bias redundant).

# %% nbgrader={"grade": false, "grade_id": "make_dcgan_discriminator", "locked": false, "schema_version": 3, "solution": true}
def make_dcgan_discriminator(channels=3, width=64):
    """The DCGAN discriminator: images (B, channels, 64, 64) -> logits (B,), no sigmoid."""
    ### BEGIN SOLUTION
    w = width  # ndf: feature maps of the first convolution
    return nn.Sequential(
        nn.Conv2d(channels, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),  # (B, w, 32, 32)
        nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2, inplace=True),  # (B, 2w, 16, 16)
        nn.Conv2d(2 * w, 4 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.2, inplace=True),  # (B, 4w, 8, 8)
        nn.Conv2d(4 * w, 8 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(8 * w), nn.LeakyReLU(0.2, inplace=True),  # (B, 8w, 4, 4)
        nn.Conv2d(8 * w, 1, 4, 1, 0, bias=False),  # (B, 1, 1, 1)
        nn.Flatten(0),  # (B,)
    )
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_make_dcgan_discriminator", "locked": true, "points": 3, "schema_version": 3, "solution": false}
trace = []  # (module, input, output) of every layer the forward pass meets, in that order


def record(module, inputs, output):
    trace.append((module, inputs[0].detach().clone(), output.detach().clone()))


torch.manual_seed(0)
D = make_dcgan_discriminator(channels=1, width=8)
assert isinstance(D, nn.Module), "return an nn.Module"
hooks = [m.register_forward_hook(record) for m in D.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.Linear))]
x = torch.rand(5, 1, 64, 64) * 2 - 1
out = D(x)
for hook in hooks:
    hook.remove()
assert out.shape == (5,), "return one logit per image, shape (B,): reshape the (B, 1, 1, 1) output of the last convolution"
convs = [m for m, _, _ in trace if isinstance(m, nn.Conv2d)]
assert [(m.in_channels, m.out_channels) for m in convs[:4]] == [(1, 8), (8, 16), (16, 32), (32, 64)], \
    "the hidden convolutions go channels -> w -> 2w -> 4w -> 8w (w = width, the FIRST layer's feature maps)"
assert [(m.kernel_size, m.stride) for m in convs[:4]] == [((4, 4), (2, 2))] * 4, \
    "kernel 4 and stride 2 in the four hidden convolutions (each halves the image)"
assert len(convs) == 4 or [(m.kernel_size, m.stride, m.out_channels) for m in convs[4:]] == [((4, 4), (1, 1), 1)], \
    "the last convolution maps the 8w x 4 x 4 features to one logit: kernel 4, stride 1, no padding"
assert [m.num_features for m, _, _ in trace if isinstance(m, nn.BatchNorm2d)] == [16, 32, 64], \
    "one BatchNorm2d after each hidden convolution except the first: over 2w, 4w and 8w channels"
pairs = [(prev, nxt) for prev, nxt in zip(trace, trace[1:]) if not isinstance(nxt[0], nn.BatchNorm2d)]
assert all(torch.allclose(nxt[1].flatten(1), F.leaky_relu(prev[2], 0.2).flatten(1), atol=1e-5) for prev, nxt in pairs), \
    "a LeakyReLU(0.2) after each of the four hidden layers (after the BatchNorm where there is one), nothing else between layers"
assert torch.allclose(out, trace[-1][2].reshape(-1)), "return logits: nothing after the last layer (no sigmoid; the loss applies it, stably)"
D.eval()
assert torch.equal(D(x), D(x)), "in eval mode the discriminator must be deterministic"
assert sum(m.weight.numel() for m in make_dcgan_discriminator().modules() if isinstance(m, (nn.Conv2d, nn.Linear))) == 2763776, \
    "with the defaults (channels=3, width=64) the five layers hold 2,763,776 weights"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("03_dcgan_faces", "make_dcgan_discriminator", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Walking between two latent vectors
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
from gan_course.course.checks import check
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
from gan_course.course.checks import check
check("03_dcgan_faces", "slerp", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The truncation trick
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
from gan_course.course.checks import check
check("03_dcgan_faces", "truncated_noise", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Train a DCGAN on faces
#
# The course's data are CelebA's aligned faces (Liu et al. 2015), centre-cropped to 64x64, or any
# folder of face images (set `FACES_DIR`). CelebA cannot be downloaded offline; where neither is on
# the machine, the next cell says so and falls back to **Fashion-MNIST** resized to 64x64, so that your
# generator learns clothes, not faces; if even that is missing, to tiny synthetic images. The cell
# prints the data set it loaded: read the rest of the notebook, and answer its questions, for *that*
# data set.

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
SUBJECT = {"celeba": "faces", "folder": "faces", "fashion-mnist": "clothes (Fashion-MNIST)"}[DATASET]
if data is None:
    print("no image data found: training on tiny synthetic 64x64 images instead")
    DATASET, data, SUBJECT = "celeba", synthetic_like("celeba", n=256), "synthetic images"
print(f"training on {data}: the generated images will be {SUBJECT}")
image_grid(data.sample(32, generator=torch.Generator().manual_seed(0))[0], title=f"real: {data.name}")

# %% [markdown]
# Both networks are **yours**: your generator and your discriminator, initialised as in assignment 01
# (`dcgan_weights_init`). The package's trainer calls every generator as `G(z, labels)` (reading its
# `latent_dim`) and every discriminator as `D(x, labels)`; the small wrapper below gives your
# unconditional networks that interface (it ignores the labels).
#
# The objective is assignment 01's BCE with **one-sided label smoothing** (real target 0.9): at 64x64
# the discriminator easily wins the first few hundred steps outright (its loss drops to 0 and the
# generator's gradient with it), most of all on the simple fallback data; smoothing keeps it from
# becoming certain. The optimiser is Adam($2\cdot10^{-4}$, $\beta_1 = 0.5$). On a laptop CPU we
# train narrower networks (`width` 24 instead of 64, about 1/7 of the computation) on 10,000 images for
# 4 epochs; a GPU trains the full-size models on all of CelebA in minutes.

# %%
class IgnoreLabels(nn.Module):
    """One of your networks behind the trainer's interface: forward(inputs, labels=None) -> net(inputs)."""

    def __init__(self, net, latent_dim=None):
        super().__init__()
        self.net = net
        if latent_dim is not None:
            self.latent_dim = latent_dim  # the trainer draws z of this size for a generator

    def forward(self, inputs, labels=None):
        return self.net(inputs)  # G: (B, latent_dim) -> (B, C, 64, 64); D: (B, C, 64, 64) -> (B,)


WIDTH, LATENT_DIM = budget.pick(full=24, grader=8), 100
config = TrainConfig(
    name="03-dcgan-faces", model="dcgan", dataset=DATASET, dataset_path=FACES_DIR, image_size=64,
    strategy="gan", seed=0, latent_dim=LATENT_DIM, width=WIDTH, real_label=0.9,
    epochs=budget.pick(full=4, grader=1),
    max_steps=budget.pick(full=None, grader=3),
    batch_size=budget.pick(full=64, grader=16),
    log_every=budget.pick(full=10, grader=1),
    tensorboard=budget.pick(full=True, grader=False),  # the grader throws its runs away: no TensorBoard
    plots=budget.pick(full=True, grader=False),  # logs and no plots/ for it
)
torch.manual_seed(0)
G = make_dcgan_generator(latent_dim=LATENT_DIM, channels=data.shape[0], width=WIDTH)
D = make_dcgan_discriminator(channels=data.shape[0], width=WIDTH)
G.apply(dcgan_weights_init)
D.apply(dcgan_weights_init)
result = train(config, data=data, generator=IgnoreLabels(G, LATENT_DIM), discriminator=IgnoreLabels(D), overwrite=True)
print(f"{result.steps} steps in {result.train_time:.1f} s")

# %%
plot_losses(result.history, title=f"DCGAN on {SUBJECT}: losses")

# %%
plot_scores(result.history, title=r"mean $\sigma(D(x))$ and $\sigma(D(G(z)))$ during training")


# %%
@torch.no_grad()
def decode(z):
    """Your generator's images for latents z (N, latent_dim), in eval mode (BatchNorm running statistics)."""
    G.eval()
    images = G(z.to(next(G.parameters()).device)).cpu()  # (N, C, 64, 64), wherever G was trained
    G.train()
    return images


# A healthy run looks like this (right): the course book's stored DCGAN (Fashion-MNIST, 28x28, the recipe
# dcgan-fashion); compare how sharp and how varied the samples are, not their subject.
show_beside(image_grid(decode(torch.randn(64, LATENT_DIM, generator=torch.Generator().manual_seed(1))),
                       title=f"generated {SUBJECT} after {result.epochs} epoch(s)"), "03", "samples")

# %% [markdown]
# ### Interpolation: lerp against slerp
#
# Two strips per pair of endpoints, decoded by your generator along your `lerp` and `slerp` paths.
# Below them, the norm $\|z\|$ along the first pair's paths, and the norm of the *midpoint* of each
# path averaged over 1000 random pairs of latents, against $\sqrt d$ (the typical norm of a latent
# the generator was trained on).

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
pairs = torch.randn(1000, 2, LATENT_DIM, generator=torch.Generator().manual_seed(6))  # 1000 pairs (z0, z1)
for name, method in (("lerp", lerp), ("slerp", slerp)):
    middle = torch.stack([method(z0, z1, 3)[1] for z0, z1 in pairs])  # (1000, d): the midpoints
    print(f"{name:5s} midpoint |z| over 1000 pairs: mean {middle.norm(dim=1).mean():.2f}   "
          f"(endpoints: mean {pairs.norm(dim=2).mean():.2f}; sqrt(d) = {math.sqrt(LATENT_DIM):.2f})")
show_beside(interpolation_strip(torch.stack(strips), labels=labels, title="latent interpolation"),
            "03", "interpolation")  # right: slerp strips of the book's stored DCGAN

# %% [markdown]
# ### Written answer: lerp against slerp
#
# Use the norms your cell printed. Why does the lerp midpoint of two latents have a smaller norm than
# its endpoints (what is $\|(z_0 + z_1)/2\|$ for independent $z_0, z_1 \sim \mathcal N(0, I_d)$, roughly?),
# and why does slerp keep it? Why does that matter to the generator, and can you see it in your strips?

# %% [markdown] nbgrader={"grade": true, "grade_id": "interpolation_answer", "locked": false, "points": 3, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# **Model answer.** A latent $z \sim \mathcal N(0, I_d)$ has $\mathbb E\|z\|^2 = d$, and its norm concentrates
# at $\sqrt d = 10$ (spread about $1/\sqrt 2 \approx 0.7$): the printed mean endpoint norm is 9.99.
# Two independent latents are almost orthogonal in 100 dimensions, so
# $\|(z_0 + z_1)/2\|^2 = (\|z_0\|^2 + \|z_1\|^2 + 2 z_0 \cdot z_1)/4 \approx d/2$: the lerp midpoint has norm
# $\sqrt{d/2} \approx 7.07$, which the printed lerp mean (7.05) matches, and the norm dips along the whole
# path (the first pair's lerp row goes from 9.78 down to 6.10 and back up to 9.16). Slerp moves along the great circle
# with weights $\sin((1-t)\Omega)/\sin\Omega$ and $\sin(t\Omega)/\sin\Omega$; for endpoints of equal norm
# this keeps the norm exactly, and otherwise it moves smoothly between the two norms (the first pair's
# slerp row goes from 9.78 to 9.16 without a dip): its printed midpoint mean is 10.00. The generator only ever saw latents on the shell of radius about
# $\sqrt d$; a latent of norm 7 is as unlikely under $\mathcal N(0, I_d)$ as one of norm 13 ($(10-7)/0.7$
# standard deviations away), so lerp midpoints leave the training distribution and tend to decode to
# washed-out, lower-contrast or "average" images, while slerp frames keep the look of real samples.
# With a short training budget the difference in the strips may be small; the norms show it anyway.
#
# **Rubric (3 points).** The midpoint norm $\sqrt{d/2}$ against $\sqrt d$ explained (near-orthogonal
# latents) and matched to the printed numbers (1). Slerp keeps the norm because it moves along the sphere
# (1). Why it matters: the generator is trained on the shell of radius $\sqrt d$, so off-shell latents are
# out of distribution, related to what the strips show (1).
# ### END SOLUTION

# %% [markdown]
# ### Truncation: fidelity against variety
#
# One row per threshold $\tau$, the same seed in every row. For each $\tau$ the cell prints the spread
# between samples (mean per-pixel standard deviation across 64 samples: variety), the mean latent norm,
# and your discriminator's mean probability $\sigma(D(G(z)))$ that those samples are real (a rough
# proxy for fidelity: $D$ is only as good as its training).

# %%
D.eval()
rows, row_labels = [], []
for tau in (0.5, 1.0, 2.0, float("inf")):
    z = truncated_noise(64, LATENT_DIM, tau, generator=torch.Generator().manual_seed(3))
    images = decode(z)  # (64, C, 64, 64)
    with torch.no_grad():
        belief = torch.sigmoid(D(images.to(next(D.parameters()).device))).mean().item()
    rows.append(images[:10])
    row_labels.append(f"tau = {tau:g}")
    print(f"tau = {tau:>4g}: spread between samples {images.std(dim=0).mean().item():.3f}   "
          f"mean |z| {z.norm(dim=1).mean().item():5.2f}   mean sigma(D(G(z))) {belief:.3f}")
D.train()
interpolation_strip(torch.stack(rows), labels=row_labels, title="truncation trick")

# %% [markdown]
# ### Written answer: truncation
#
# What does truncation trade? Use your printed numbers and the rows of the figure: how do the spread,
# the latent norm and $\sigma(D(G(z)))$ change with $\tau$, and what happens to the images? Why does a
# small $\tau$ tend to give cleaner but more similar images, and where would you set $\tau$?

# %% [markdown] nbgrader={"grade": true, "grade_id": "truncation_answer", "locked": false, "points": 3, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# **Model answer.** Truncation trades variety for fidelity. As $\tau$ shrinks the latents are pulled
# towards the mode of $\mathcal N(0, I)$: the mean norm falls from about 10 ($\tau = \infty$) to about 8.8
# ($\tau = 2$), 5.4 ($\tau = 1$) and 2.8 ($\tau = 0.5$) (each entry has standard deviation 0.88, 0.54 and
# 0.29 under truncation at 2, 1 and 0.5), and the spread between samples falls with it, in the student's
# run from its largest value at $\tau = \infty$ to the smallest at $\tau = 0.5$: the rows become more and
# more alike, converging on an "average" image. The latents near the centre are the ones the generator
# saw most densely during training (every sample's entries pass through small values), so its outputs
# there are its most reliable: fewer broken shapes and artefacts, and $D$ often rates them as more
# real ($\sigma(D(G(z)))$ rising as $\tau$ falls), though with a short run and a weak $D$ this proxy is noisy
# and may not move monotonically; a student who notes that earns the point. Large $\tau$ keeps the full
# variety, including rare, poorly learnt latents that give the worst samples. A sensible choice sits in
# between ($\tau \approx 1$ to 2 here; BigGAN reports a whole precision/recall or IS/FID curve over $\tau$):
# a metric of quality alone (the best IS) would push $\tau \to 0$ and collapse the variety, so pick $\tau$ on
# a measure that sees both, such as FID.
#
# **Rubric (3 points).** Reads the printed spread and norms: both fall as $\tau$ falls, images more alike
# (1). Explains why small $\tau$ gives cleaner images (latents where the generator is best trained) and
# relates the $\sigma(D(G(z)))$ numbers, with their limits (1). Names the trade-off and a reasoned choice of
# $\tau$ (1).
# ### END SOLUTION

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
# ### Written answer: memorisation
#
# Are the generated images in the training set? They are faces, or clothes if the notebook fell back
# to Fashion-MNIST (the data-set cell printed which): answer for the images you trained on. **Show
# nearest neighbours** (use the figure and the distances above, trained with the full budget) and argue
# from them. Discuss what pixel-space nearest neighbours can and cannot prove, and how you would make
# the test stronger.

# %% [markdown] nbgrader={"grade": true, "grade_id": "memorisation_answer", "locked": false, "points": 4, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# **Model answer.** No: the nearest training images resemble the samples in coarse attributes (for faces
# pose, hair, background and brightness; for clothes the garment's type, outline and brightness) but
# differ in identity and detail (the face, a collar, a print, a strap), and their pixel distances are of
# the same order as (typically larger than) a training image's distance to its nearest other training
# image, not near zero as a copy would be. The generator has about 1M parameters and saw each image only
# a few times, far too little to store 10,000 images; GANs can memorise tiny data sets, so the test
# matters. Limitations a good answer names: pixel distance is not perceptual (a one-pixel shift or a
# colour change makes a copy "far", a blurry average can be "near"; on Fashion-MNIST's plain
# backgrounds, large uniform areas dominate it); only a few samples and one direction were checked. A
# stronger test uses a feature space (a classifier's or Inception features, as in assignment 05), many
# samples, the distribution of nearest-neighbour distances of generated against held-out real images,
# and crops, shifts or flips of the training images.
#
# **Rubric (4 points).** A clear verdict backed by the student's figure and printed distances, compared
# with the training-to-training distances (2). A limitation of pixel-space neighbours (1). A stronger
# test (1).
# ### END SOLUTION
