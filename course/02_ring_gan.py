# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 02 — A GAN for a 2D ring
#
# Images hide what a GAN does: we cannot see the whole distribution of 784-dimensional digits at
# once. In two dimensions we can. In this assignment you write a complete GAN for a 2D data set —
# the data, both networks, one training step for each player — train it, and measure how close the
# generated distribution is to the real one with the **energy distance**.
#
# The losses are those of assignment 01 (Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661,
# with the non-saturating generator loss and one-sided label smoothing, Salimans et al. 2016,
# https://arxiv.org/abs/1606.03498). They are provided in a `grader-setup` cell below, exactly as
# 01 defines them; your step functions may call them.
#
# **How to work.** Fill in every `raise NotImplementedError()`, run the test cell below it, read
# its message if it fails; `gan-course check 02_ring_gan` runs all visible tests. Graded code may
# use only what the `grader-setup` cells provide (`torch`, `torch.nn`, `torch.nn.functional`,
# `torch.utils.data.Dataset`, `numpy`, `math`, the two losses) — never `gan_course`.

# %% nbgrader={"grade": false, "grade_id": "setup_imports", "locked": true, "schema_version": 3, "solution": false} tags=["grader-setup"]
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

# %% nbgrader={"grade": false, "grade_id": "setup_losses", "locked": true, "schema_version": 3, "solution": false} tags=["grader-setup"]
def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Assignment 01: mean BCE of the real logits against real_label plus mean BCE of the fake logits against 0."""
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real_loss + fake_loss


def generator_loss(fake_logits):
    """Assignment 01: the non-saturating generator loss, mean BCE of the fake logits against 1."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


# %%
# %matplotlib inline
from gan_course import budget
from gan_course.metrics import energy_distance as reference_energy_distance
from gan_course.course.references import show_beside
from gan_course.plotting import plot_critic_heatmap, plot_losses, plot_scatter

torch.set_num_threads(1)  # tiny MLPs: one thread is faster than several (no hand-offs between cores)
print("budget:", budget.current())

# %% [markdown]
# ## 1. The data
#
# Draw $\theta \sim U(0, 2\pi)$ and a radial noise $r \sim \mathcal N(0, 1)$. Each point lies on a
# circle of radius $10 + r$, but the two halves of the circle are shifted apart:
#
# $$x = \begin{cases}
#  \big((10 + r)\cos\theta,\; (10 + r)\sin\theta + 10\big) & \text{if } \pi/2 \le \theta \le 3\pi/2 \text{ (left half, moved up)}\\
#  \big((10 + r)\cos\theta,\; (10 + r)\sin\theta - 10\big) & \text{otherwise (right half, moved down).}
# \end{cases}$$
#
# The two half-circles meet at the origin: the data look like an "S" from $(0, 20)$ to $(0, -20)$.
# Write it as a `torch.utils.data.Dataset` that draws all `n` points **once** in `__init__`
# (float32), reproducibly from `seed` and without touching the global random state (use a private
# `torch.Generator().manual_seed(seed)`), so that two data sets with the same seed are identical
# whatever ran before. `__getitem__(i)` returns point `i` as a float32 tensor of shape `(2,)`.
# Vectorise: draw all the angles at once.

# %% nbgrader={"grade": false, "grade_id": "RingDataset", "locked": false, "schema_version": 3, "solution": true}
class RingDataset(Dataset):
    """The shifted ring: n float32 points of shape (2,), drawn once in __init__ from `seed`."""

    def __init__(self, n=10000, seed=0):
        ### BEGIN SOLUTION
        generator = torch.Generator().manual_seed(seed)
        theta = torch.rand(n, generator=generator) * 2 * math.pi  # (n,)
        r = torch.randn(n, generator=generator)  # (n,)
        left = (theta >= math.pi / 2) & (theta <= 3 * math.pi / 2)
        shift = torch.where(left, 10.0, -10.0)  # (n,)
        self.points = torch.stack(((10 + r) * torch.cos(theta), (10 + r) * torch.sin(theta) + shift), dim=1)  # (n, 2)
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.points)
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION
        return self.points[index]
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_RingDataset", "locked": true, "points": 3, "schema_version": 3, "solution": false}
ring = RingDataset(n=4000, seed=1)
assert isinstance(ring, Dataset), "RingDataset must subclass torch.utils.data.Dataset"
assert len(ring) == 4000, "__len__ must return n"
assert RingDataset().__len__() == 10000, "the default n is 10000"
item = ring[0]
assert isinstance(item, torch.Tensor) and item.shape == (2,) and item.dtype == torch.float32, \
    "__getitem__ must return one point: a float32 tensor of shape (2,)"
assert torch.equal(ring[5], ring[5]), "the points are drawn once in __init__: the same index must give the same point"
torch.manual_seed(123)
again = RingDataset(n=4000, seed=1)
assert torch.equal(again[17], ring[17]), \
    "the same seed must give the same points whatever the global random state: use torch.Generator().manual_seed(seed)"
assert not torch.equal(RingDataset(n=4000, seed=2)[17], ring[17]), "another seed must give other points"
points = torch.stack([ring[i] for i in range(len(ring))])  # (n, 2)
left, right = points[points[:, 0] < -2], points[points[:, 0] > 2]
radius_left = (left - torch.tensor([0.0, 10.0])).norm(dim=1)
radius_right = (right - torch.tensor([0.0, -10.0])).norm(dim=1)
assert abs(radius_left.mean().item() - 10) < 0.3 and abs(radius_right.mean().item() - 10) < 0.3, \
    "the left half (x < 0) should be a circle of radius 10 around (0, 10), the right half around (0, -10)"
assert 0.8 < radius_left.std().item() < 1.2, "the radius is 10 + r with r ~ N(0, 1): its spread should be about 1"
assert abs(len(left) - len(right)) < 0.1 * len(points), "theta ~ U(0, 2 pi): both halves hold about as many points"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("02_ring_gan", "RingDataset", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 2. The two networks
#
# Both are multilayer perceptrons with LeakyReLU(0.2) activations (Radford et al. 2015 found the
# leaky slope helps the discriminator pass gradients back to the generator, https://arxiv.org/abs/1511.06434).
#
# * **Generator:** `latent_dim -> 128 -> 256 -> 256 -> 2`, LeakyReLU(0.2) between layers and **no**
#   output activation (the data are not bounded to $[-1, 1]$).
# * **Discriminator:** `2 -> 128 -> 256 -> 128 -> 1`, each hidden layer followed by LeakyReLU(0.2)
#   and `Dropout(0.3)`, returning a **logit** (no sigmoid: the loss works on logits). Dropout slows
#   the discriminator down and makes it less certain, which keeps the generator's gradient useful.
#
# `nn.Sequential` is enough for both.

# %% nbgrader={"grade": false, "grade_id": "make_generator", "locked": false, "schema_version": 3, "solution": true}
def make_generator(latent_dim=100):
    """MLP latent_dim -> 128 -> 256 -> 256 -> 2 with LeakyReLU(0.2) between layers; (B, latent_dim) -> (B, 2)."""
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Linear(latent_dim, 128), nn.LeakyReLU(0.2),
        nn.Linear(128, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 2),
    )
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_make_generator", "locked": true, "points": 1, "schema_version": 3, "solution": false}
trace = []  # (module, input, output) of every layer the forward pass meets, in that order


def record(module, inputs, output):
    trace.append((module, inputs[0].detach().clone(), output.detach().clone()))


G = make_generator(latent_dim=8)
assert isinstance(G, nn.Module), "return an nn.Module (e.g. an nn.Sequential)"
hooks = [m.register_forward_hook(record) for m in G.modules() if isinstance(m, nn.Linear)]
out = G(torch.randn(5, 8))
for hook in hooks:
    hook.remove()
assert out.shape == (5, 2), "the generator maps (B, latent_dim) noise to (B, 2) points"
assert [(i.shape[1], o.shape[1]) for _, i, o in trace] == [(8, 128), (128, 256), (256, 256), (256, 2)], \
    "the layers are latent_dim -> 128 -> 256 -> 256 -> 2"
assert all(torch.allclose(after[1], F.leaky_relu(before[2], 0.2), atol=1e-6) for before, after in zip(trace, trace[1:])), \
    "use LeakyReLU(0.2) between the layers (nothing else between them)"
assert torch.allclose(out, trace[-1][2]), "no output activation: the points are the last layer's raw outputs"
G.train()
z = torch.randn(5, 8)
assert torch.equal(G(z), G(z)), "the generator has no Dropout: the same noise must give the same points"
assert sum(p.numel() for p in make_generator().parameters()) == 112258, \
    "with the default latent_dim=100 the generator's four Linear layers hold 112258 parameters (and nothing else does)"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("02_ring_gan", "make_generator", globals())
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "make_discriminator", "locked": false, "schema_version": 3, "solution": true}
def make_discriminator():
    """MLP 2 -> 128 -> 256 -> 128 -> 1, LeakyReLU(0.2) and Dropout(0.3) after each hidden layer; returns logits."""
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Linear(2, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(128, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(256, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(128, 1),
    )
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_make_discriminator", "locked": true, "points": 1, "schema_version": 3, "solution": false}
trace = []  # (module, input, output) of every layer the forward pass meets, in that order


def record(module, inputs, output):
    trace.append((module, inputs[0].detach().clone(), output.detach().clone()))


D = make_discriminator()
hooks = [m.register_forward_hook(record) for m in D.modules() if isinstance(m, nn.Linear)]
x = torch.randn(256, 2) * 20
D.eval()
out = D(x)
assert [(i.shape[1], o.shape[1]) for _, i, o in trace] == [(2, 128), (128, 256), (256, 128), (128, 1)], \
    "the layers are 2 -> 128 -> 256 -> 128 -> 1"
assert out.numel() == 256, "one logit per point"
assert torch.allclose(out.reshape(-1), trace[-1][2].reshape(-1)), \
    "return logits: nothing after the last layer (no sigmoid; the loss applies it, stably)"
assert torch.equal(D(x), D(x)), "in eval mode dropout is off, so the discriminator must be deterministic"
assert all(torch.allclose(after[1], F.leaky_relu(before[2], 0.2), atol=1e-5) for before, after in zip(trace, trace[1:4])), \
    "use LeakyReLU(0.2) after each hidden layer (in eval mode, with dropout off, nothing else happens between layers)"
trace.clear()
D.train()
torch.manual_seed(0)
out = D(x)
for hook in hooks:
    hook.remove()
assert torch.equal(trace[0][1], x), "no dropout on the input points: Dropout comes after the hidden layers"
for before, after in zip(trace, trace[1:]):
    dropped = after[1] == 0  # zeroed by dropout (a LeakyReLU output is never exactly 0)
    kept = F.leaky_relu(before[2], 0.2) / 0.7  # dropout scales what it keeps by 1 / (1 - p)
    assert abs(dropped.float().mean().item() - 0.3) < 0.03 and torch.allclose(after[1][~dropped], kept[~dropped], atol=1e-4), \
        "in train mode, put Dropout(0.3) after each hidden layer's LeakyReLU: about 30% of the next layer's inputs " \
        "are zeroed and the rest scaled by 1 / 0.7"
assert torch.allclose(out.reshape(-1), trace[-1][2].reshape(-1)), \
    "no dropout after the output layer: the logits are the last layer's outputs"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("02_ring_gan", "make_discriminator", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 3. One step for each player
#
# Algorithm 1 of Goodfellow et al. alternates a discriminator step and a generator step. Each step
# must get three things right:
#
# 1. **Clear stale gradients** first (`opt.zero_grad()`): PyTorch *accumulates* into `.grad`, so
#    gradients left over from the other player's step would leak into this one.
# 2. **Only the right network learns.** In the discriminator step the fakes are a fixed input:
#    compute `G(z).detach()` (or under `torch.no_grad()`), so no gradient flows into $G$. In the
#    generator step the gradient must flow *through* $D$ into $G$, but only `opt_g` steps, so $D$'s
#    parameters do not change.
# 3. **Return the loss as a Python float** (`loss.item()`), the value computed before the step.
#
# The discriminator step uses 01's `discriminator_loss(D(real), D(G(z)), real_label)` with one-sided
# label smoothing by default (`real_label=0.9`); the generator step uses 01's non-saturating
# `generator_loss(D(G(z)))`.

# %% nbgrader={"grade": false, "grade_id": "discriminator_step", "locked": false, "schema_version": 3, "solution": true}
def discriminator_step(G, D, opt_d, real, z, real_label=0.9):
    """One update of D on a real batch (B, 2) and fakes G(z); G gets no gradient. Returns the loss (float)."""
    ### BEGIN SOLUTION
    opt_d.zero_grad()
    fake = G(z).detach()  # (B, 2): a fixed input for D, no gradient flows into G
    loss = discriminator_loss(D(real), D(fake), real_label)
    loss.backward()
    opt_d.step()
    return loss.item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_discriminator_step", "locked": true, "points": 3, "schema_version": 3, "solution": false}
torch.manual_seed(0)
G, D = nn.Linear(3, 2), nn.Linear(2, 1)  # tiny stand-ins without dropout, so the numbers are exact
real, z = torch.randn(16, 2), torch.randn(16, 3)
expected = discriminator_loss(D(real), D(G(z)), 0.9)
(expected_grad,) = torch.autograd.grad(expected, D.weight)
without_smoothing = discriminator_loss(D(real), D(G(z)), 1.0).item()
D.weight.grad = torch.full_like(D.weight, 100.0)  # a stale gradient from an earlier step
before = D.weight.detach().clone()
value = discriminator_step(G, D, torch.optim.SGD(D.parameters(), lr=1.0), real, z)
assert isinstance(value, (float, np.floating)), "return the loss as a Python float (loss.item())"
assert G.weight.grad is None, "G must receive no gradient in the discriminator step: detach the fakes"
step = before - D.weight.detach()  # SGD with lr=1: the gradient it stepped on
assert step.abs().sum() > 0, "D's weights did not move: opt_d.zero_grad(), then loss.backward(), then opt_d.step()"
assert not torch.allclose(step, expected_grad + 100.0, atol=1e-4), \
    "the step used the stale gradient too: PyTorch accumulates .grad, so clear it (opt_d.zero_grad()) before backward()"
assert abs(value - without_smoothing) > 1e-6, \
    "with no real_label argument use the signature's default, real_label=0.9 (one-sided label smoothing)"
after = discriminator_loss(D(real), D(G(z)), 0.9).item()
assert abs(value - after) > 1e-6 or abs(value - expected.item()) < 1e-5, \
    "this is the loss after the step, on the updated D: return the loss you stepped on, computed before opt_d.step()"
assert abs(value - expected.item()) < 1e-5, \
    "return the loss you stepped on, 01's discriminator_loss(D(real), D(G(z)), real_label), computed before the step"
assert torch.allclose(step, expected_grad, atol=1e-5), \
    "one SGD step with lr=1 must move D's weight by exactly the gradient of that loss: one backward(), one step()"
D_copy = nn.Linear(2, 1)
D_copy.load_state_dict(D.state_dict())
loss_one = discriminator_loss(D_copy(real), D_copy(G(z)), 1.0).item()
value = discriminator_step(G, D_copy, torch.optim.SGD(D_copy.parameters(), lr=1.0), real, z, real_label=1.0)
assert abs(value - loss_one) < 1e-5, "pass real_label on to discriminator_loss"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("02_ring_gan", "discriminator_step", globals())
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "generator_step", "locked": false, "schema_version": 3, "solution": true}
def generator_step(G, D, opt_g, z):
    """One update of G with the non-saturating loss on D(G(z)); D's parameters do not change. Returns the loss (float)."""
    ### BEGIN SOLUTION
    opt_g.zero_grad()
    loss = generator_loss(D(G(z)))
    loss.backward()
    opt_g.step()
    return loss.item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_generator_step", "locked": true, "points": 3, "schema_version": 3, "solution": false}
torch.manual_seed(1)
G, D = nn.Linear(3, 2), nn.Linear(2, 1)
z = torch.randn(16, 3)
expected = generator_loss(D(G(z)))
(expected_grad,) = torch.autograd.grad(expected, G.weight)
G.weight.grad = torch.full_like(G.weight, 100.0)  # a stale gradient
g_before, d_before = G.weight.detach().clone(), D.weight.detach().clone()
value = generator_step(G, D, torch.optim.SGD(G.parameters(), lr=1.0), z)
assert isinstance(value, (float, np.floating)), "return the loss as a Python float (loss.item())"
step = g_before - G.weight.detach()  # SGD with lr=1: the gradient it stepped on
assert step.abs().sum() > 0, \
    "G's weights did not move: the fakes must carry G's graph into the loss (no detach, no torch.no_grad()), then " \
    "opt_g.zero_grad(), loss.backward(), opt_g.step()"
assert not torch.allclose(step, expected_grad + 100.0, atol=1e-4), \
    "the step used the stale gradient too: PyTorch accumulates .grad, so clear it (opt_g.zero_grad()) before backward()"
after = generator_loss(D(G(z))).item()
assert abs(value - after) > 1e-6 or abs(value - expected.item()) < 1e-5, \
    "this is the loss after the step, on the updated G: return the loss you stepped on, computed before opt_g.step()"
assert abs(value - expected.item()) < 1e-5, \
    "return the loss you stepped on, 01's non-saturating generator_loss(D(G(z))), computed before the step"
assert torch.allclose(step, expected_grad, atol=1e-5), \
    "one SGD step with lr=1 must move G's weight by exactly the gradient of generator_loss(D(G(z)))"
assert torch.equal(D.weight.detach(), d_before), "the generator step must not change D's parameters"
assert D.weight.requires_grad and D.bias.requires_grad, \
    "if you freeze D during the generator step, unfreeze it afterwards, or the next discriminator step cannot train it"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("02_ring_gan", "generator_step", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Measuring the fit: the energy distance
#
# Loss curves do not tell us whether the generator is right. Between two distributions $P$ and $Q$
# with $X, X' \sim P$ and $Y, Y' \sim Q$ independent, the **energy distance** (Székely & Rizzo 2013,
# *Energy statistics*, https://doi.org/10.1016/j.jspi.2013.03.018) is
#
# $$\mathcal E(P, Q) = 2\,\mathbb E\|X - Y\| - \mathbb E\|X - X'\| - \mathbb E\|Y - Y'\| \;\ge 0,$$
#
# zero exactly when $P = Q$. For samples $a$ `(n, p)` and $b$ `(m, p)` we use the **V-statistic**:
# each expectation is the mean over *all* pairs, $i = j$ included (so $\mathcal E(a, a) = 0$ exactly).
# `torch.cdist` gives all pairwise Euclidean distances. Accept tensors or numpy arrays; compute in
# float64 and return a Python float.

# %% nbgrader={"grade": false, "grade_id": "energy_distance", "locked": false, "schema_version": 3, "solution": true}
def energy_distance(a, b):
    """V-statistic energy distance between point sets a (n, p) and b (m, p), as a float."""
    ### BEGIN SOLUTION
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    return float(2 * torch.cdist(a, b).mean() - torch.cdist(a, a).mean() - torch.cdist(b, b).mean())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_energy_distance", "locked": true, "points": 2, "schema_version": 3, "solution": false}
one = energy_distance(torch.tensor([[0.0]]), torch.tensor([[1.0]]))
assert isinstance(one, (float, np.floating)), "return a Python float"
x = torch.randn(50, 3)
assert abs(energy_distance(x, x)) < 1e-9, \
    "2 E d(X, Y) - E d(X, X') - E d(Y, Y'), each mean over all pairs (i = j included): a set against itself " \
    "gives exactly 0"
y = torch.randn(40, 3) + 1.0
assert abs(energy_distance(2 * x, 2 * y) - 2 * energy_distance(x, y)) < 1e-6, \
    "scaling every point by 2 must double the energy distance: d is the Euclidean distance itself (not squared, " \
    "no square root)"
assert abs(one - 2.0) < 1e-9, "two single points at distance 1: 2 * 1 - 0 - 0 = 2"
v = energy_distance(torch.tensor([[0.0], [2.0]]), torch.tensor([[0.0]]))
assert abs(v - 1.0) < 1e-9, \
    "a = {0, 2}, b = {0}: E|X-Y| = 1, E|X-X'| over all 4 pairs (i = j included) = 1, E|Y-Y'| = 0, so 2 - 1 - 0 = 1"
assert abs(energy_distance(np.zeros((3, 2)), np.full((4, 2), 3.0)) - 2 * math.sqrt(18)) < 1e-9, \
    "numpy arrays must work too, and the distance is the Euclidean norm over the p coordinates"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("02_ring_gan", "energy_distance", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Train your GAN
#
# Your pieces make the whole GAN: the data set, the two networks, the two steps. The loop below
# only feeds them batches (Adam with the DCGAN settings of Radford et al., learning rate
# $2\cdot10^{-4}$, $\beta_1 = 0.5$). Every few epochs it scores 2000 generated points against 2000
# fresh real points with your `energy_distance`; for reference, two independent real samples of that
# size score about 0.01.

# %%
N_POINTS = budget.pick(full=10000, grader=2000)
EPOCHS = budget.pick(full=60, grader=2)
BATCH, LATENT_DIM, LR, BETAS = 128, 100, 2e-4, (0.5, 0.999)
EVAL_EVERY = budget.pick(full=5, grader=1)

ring = RingDataset(n=N_POINTS, seed=0)
points = torch.stack([ring[i] for i in range(len(ring))])  # (n, 2), through your __getitem__
held_out = RingDataset(n=2000, seed=1)
fresh = torch.stack([held_out[i] for i in range(len(held_out))])  # (2000, 2) held-out real points
torch.manual_seed(0)
G, D = make_generator(LATENT_DIM), make_discriminator()
opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
noise_rng, order_rng = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
z_eval = torch.randn(2000, LATENT_DIM, generator=torch.Generator().manual_seed(3))


def sample(n_or_z):
    """Generated points (n, 2) without gradients, G in eval mode."""
    G.eval()
    with torch.no_grad():
        out = G(n_or_z if torch.is_tensor(n_or_z) else torch.randn(n_or_z, LATENT_DIM))
    G.train()
    return out


history = {"step": [], "d_loss": [], "g_loss": []}
scores = {"epoch": [], "energy": []}
for epoch in range(1, EPOCHS + 1):
    for real in points[torch.randperm(len(points), generator=order_rng)].split(BATCH):
        if len(real) < BATCH:
            continue
        d_loss = discriminator_step(G, D, opt_d, real, torch.randn(BATCH, LATENT_DIM, generator=noise_rng))
        g_loss = generator_step(G, D, opt_g, torch.randn(BATCH, LATENT_DIM, generator=noise_rng))
        history["step"].append(len(history["step"]) + 1)
        history["d_loss"].append(d_loss)
        history["g_loss"].append(g_loss)
    if epoch % EVAL_EVERY == 0 or epoch == EPOCHS:
        scores["epoch"].append(epoch)
        scores["energy"].append(energy_distance(sample(z_eval), fresh))
print(f"{len(history['step'])} steps; energy distance after {EPOCHS} epochs: {scores['energy'][-1]:.4f}")

# %%
plot_losses(history, title="your ring GAN: losses")

# %%
from matplotlib.figure import Figure

fig = Figure(figsize=(6, 3), layout="constrained")
ax = fig.add_subplot()
ax.plot(scores["epoch"], scores["energy"], marker="o")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("energy distance (log scale)")
ax.set_title("generated vs fresh real points")
fig

# %% [markdown]
# The generated points against the real ones (left), and where the generator puts its mass (right,
# with the real density's contours). A generator that collapsed onto a few modes shows as a few
# bright cells. **A healthy run looks like this:** on the right, the same figure from the course book's
# stored run of the recipe `ring` (its caption gives its energy distance).

# %%
fake = sample(z_eval)
show_beside(plot_scatter(fresh, fake, title=f"after {EPOCHS} epochs"), "02", "scatter")

# %% [markdown]
# What the discriminator believes, $\sigma(D(x))$ over the plane (dropout off). At the equilibrium of
# the game it would be $1/2$ everywhere; in practice it still separates regions the generator
# over- or under-fills.

# %%
plot_critic_heatmap(D, fresh[:500], fake[:500], probabilities=True, title=r"$\sigma(D(x))$ over the plane")

# %% [markdown]
# Your energy distance agrees with the package's implementation:

# %%
print(f"yours: {energy_distance(fake, fresh):.6f}   gan_course: {reference_energy_distance(fake, fresh):.6f}")
print(f"real vs real (the floor at this size): {energy_distance(points[:2000], fresh):.4f}")

# %% [markdown]
# ## 6. Written answer
#
# Can your GAN produce a convincing facsimile of the distribution? **Show it**: refer to your scatter
# plot, the density panel and the energy distance curve (train with the full budget), compare with
# the real-vs-real floor, and describe what the generator gets right and wrong (the two half-circles
# and where they meet, the ends of the "S", the radial spread). If it fails, say how (mode collapse,
# oscillation) and what you would change.

# %% [markdown] nbgrader={"grade": true, "grade_id": "facsimile_answer", "locked": false, "points": 4, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# **Model answer.** Largely yes. With the full budget (60 epochs) the generated cloud follows the whole
# "S": both shifted half-circles and the junction at the origin. The energy distance falls from about 10
# at the start to about 0.05-0.1, an order of magnitude above the real-vs-real floor (about 0.007 at
# 2000 points), and it fluctuates from evaluation to evaluation because the GAN iterates oscillate
# (section 7 shows why). Flaws the student should *name* from their own plots: the generated curve is
# thinner than the data (radial spread too narrow, mass concentrated on the centre line of the arc),
# the ends of the "S" near $(0, \pm 20)$ are under-filled or overshoot, a few points scatter off the
# curve, one arc can be denser than the other (partial mode collapse). A convincing answer shows the
# scatter and density panels and compares the number with the floor; a "facsimile" at the level of the
# floor needs longer training or an EMA of the generator.
#
# **Rubric (4 points).** A claim backed by their own scatter and density panels (2). The energy
# distance compared with the real-vs-real floor (1). A concrete flaw explained (1).
# ### END SOLUTION

# %% [markdown]
# ## 7. Why does the training oscillate? Gradient descent-ascent on $f(x, y) = x\,y$
#
# Near an equilibrium a GAN behaves like the simplest zero-sum game there is: two scalars, $x$ (think
# of the generator) **minimises** $f(x, y) = x\,y$ and $y$ (the discriminator) **maximises** it. Its
# only equilibrium is $(0, 0)$: there, neither player can gain by moving alone. Each player follows
# its own gradient, $\partial f / \partial x = y$ and $\partial f / \partial y = x$, with a step size
# $\eta$ (`lr`), in one of two orders:
#
# * **simultaneous** — both steps start from the old point:
#   $x_{k+1} = x_k - \eta\, y_k$, $\;y_{k+1} = y_k + \eta\, x_k$;
# * **alternating** — $x$ moves first and $y$ answers the *new* $x$:
#   $x_{k+1} = x_k - \eta\, y_k$, $\;y_{k+1} = y_k + \eta\, x_{k+1}$.
#   Your training loop above is alternating: each generator step faces the discriminator that has
#   just been updated.
#
# Write `gda_trajectory(x0, y0, lr, steps, alternating=False)`: it returns the iterates as a float64
# tensor of shape `(steps + 1, 2)`, one row $(x_k, y_k)$ per iterate, the start $(x_0, y_0)$ first.
# A Python loop over the steps is fine.

# %% nbgrader={"grade": false, "grade_id": "gda_trajectory", "locked": false, "schema_version": 3, "solution": true}
def gda_trajectory(x0, y0, lr, steps, alternating=False):
    """Gradient descent-ascent on f(x, y) = x * y from (x0, y0): float64 iterates (steps + 1, 2), start included."""
    ### BEGIN SOLUTION
    x, y = float(x0), float(y0)
    path = [(x, y)]
    for _ in range(steps):
        if alternating:
            x = x - lr * y  # x descends on df/dx = y
            y = y + lr * x  # y ascends on df/dy = x, at the new x
        else:
            x, y = x - lr * y, y + lr * x  # both from the old point
        path.append((x, y))
    return torch.tensor(path, dtype=torch.float64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gda_trajectory", "locked": true, "points": 2, "schema_version": 3, "solution": false}
path = gda_trajectory(1.0, 0.0, 0.5, 2)
assert isinstance(path, torch.Tensor) and path.dtype == torch.float64, "return a float64 tensor (dtype=torch.float64)"
assert path.shape == (3, 2), "two steps give three iterates: the start, then one row (x, y) per step"
assert path[0].tolist() == [1.0, 0.0], "the first row is the start (x0, y0)"
assert path[1].tolist() == [1.0, 0.5], \
    "from (1, 0) with lr 0.5: x moves by -lr * y = 0 and y by +lr * x = 0.5 (y maximises, so it follows its gradient x)"
assert path[2].tolist() == [0.75, 1.0], \
    "simultaneous: from (1, 0.5) both steps use the old point: x' = 1 - 0.5 * 0.5, y' = 0.5 + 0.5 * 1"
assert torch.equal(gda_trajectory(1.0, 0.0, 0.5, 2, alternating=False), path), "alternating=False is the default"
alternating = gda_trajectory(1.0, 0.0, 0.5, 2, alternating=True)
assert alternating[2].tolist() == [0.75, 0.875], \
    "alternating: from (1, 0.5), x' = 0.75 first, then y answers the NEW x: y' = 0.5 + 0.5 * 0.75"
assert gda_trajectory(2.0, -3.0, 0.1, 0).tolist() == [[2.0, -3.0]], "zero steps: the start alone, shape (1, 2)"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("02_ring_gan", "gda_trajectory", globals())
### END HIDDEN TESTS

# %% [markdown]
# Both trajectories from the same start, with the same step size: the path in the $(x, y)$ plane
# (left) and the distance from the equilibrium $\sqrt{x_k^2 + y_k^2}$ after each step (right).

# %%
GDA_START, GDA_LR, GDA_STEPS = (1.0, 0.0), 0.2, 200
trajectories = {rule: gda_trajectory(*GDA_START, GDA_LR, GDA_STEPS, alternating=(rule == "alternating"))
                for rule in ("simultaneous", "alternating")}
fig = Figure(figsize=(9, 4), layout="constrained")
plane, distance = fig.subplots(1, 2)
for rule, path in trajectories.items():
    plane.plot(path[:, 0], path[:, 1], linewidth=0.9, label=rule)
    distance.plot(path.norm(dim=1), label=rule)
    radius = path.norm(dim=1)
    print(f"{rule:>12}: distance from (0, 0) {radius[0]:.3f} at the start, {radius[-1]:.3f} after {GDA_STEPS} steps "
          f"(between {radius.min():.3f} and {radius.max():.3f})")
plane.plot(*GDA_START, "ko", markersize=4, label="start")
plane.plot(0, 0, "k+", markersize=10, label="equilibrium")
plane.set_aspect("equal")
plane.set_xlabel("x (minimises x y)")
plane.set_ylabel("y (maximises x y)")
plane.legend(loc="upper left", fontsize=8)
distance.set_yscale("log")
distance.set_xlabel("step k")
distance.set_ylabel("distance from (0, 0)")
fig.suptitle(f"gradient descent-ascent on f(x, y) = x y, lr = {GDA_LR}")
fig

# %% [markdown]
# ### Written answer: the dynamics of the game
#
# Which of your two trajectories spirals outwards and which one orbits? Quote the distances your
# cell printed. Explain both from the update rules: for the simultaneous update express
# $x_{k+1}^2 + y_{k+1}^2$ through $x_k^2 + y_k^2$; for the alternating one look at the determinant of
# the linear map $(x_k, y_k) \mapsto (x_{k+1}, y_{k+1})$ (or find a quantity it keeps constant).
# Neither reaches the equilibrium. What does that say about training a GAN by alternating D and G
# steps (compare with your loss curves in section 5), and what could make the iterates approach the
# equilibrium?

# %% [markdown] nbgrader={"grade": true, "grade_id": "gda_answer", "locked": false, "points": 4, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# **Model answer.** With $\eta = 0.2$ from $(1, 0)$ the simultaneous trajectory spirals outwards: its
# distance from $(0, 0)$ goes from 1 to $\sqrt{1.04}^{\,200} = 1.04^{100} \approx 50.5$ after 200 steps,
# because
# $x_{k+1}^2 + y_{k+1}^2 = (x_k - \eta y_k)^2 + (y_k + \eta x_k)^2 = (1 + \eta^2)(x_k^2 + y_k^2)$: the cross
# terms cancel and every step multiplies the squared distance by $1 + \eta^2 > 1$, whatever the step size.
# The alternating trajectory orbits: its distance stays between 0.953 and 1.054 for ever (about 0.954
# after 200 steps). Its map has
# determinant $1 \cdot (1 - \eta^2) + \eta^2 = 1$ and trace $2 - \eta^2 \in (-2, 2)$, so its eigenvalues are
# $e^{\pm i\theta}$ with $\cos\theta = 1 - \eta^2/2$; the iterates keep $x^2 + y^2 - \eta\, x y$ exactly
# constant (here 1: an ellipse around the equilibrium, $r^2 (1 - 0.1 \sin 2\varphi) = 1$, hence the bounds
# $1/\sqrt{1.1}$ and $1/\sqrt{0.9}$). Neither converges: following each player's own gradient
# makes the players rotate around the equilibrium instead of moving towards it (the game's Jacobian
# $\begin{pmatrix}0 & -1\\ 1 & 0\end{pmatrix}$ is a pure rotation). For a GAN, whose dynamics near an
# equilibrium look like this, it means that alternating D and G steps (algorithm 1, our loop) at least do
# not diverge, but the losses and $\sigma(D(x))$, $\sigma(D(G(z)))$ keep oscillating rather than settling, as
# the loss curves of section 5 do; a smaller step size only slows the rotation. Remedies that make the
# iterates approach the equilibrium: averaging the iterates (the centre of the orbit is the equilibrium;
# an EMA of the generator's weights does this), optimistic / extragradient updates, negative momentum
# (Gidel et al. 2019), or a regulariser that damps the rotation, such as a gradient penalty on $D$
# (Mescheder et al. 2018).
#
# **Rubric (4 points).** The simultaneous update named as the one that spirals outwards and the
# alternating one as the one that orbits, with the printed distances (1). Simultaneous: the squared
# distance multiplied by $1 + \eta^2$ at every step (1). Alternating: determinant 1 (area preserved) or a
# conserved quantity, so the iterates stay on a closed curve, neither growing nor shrinking (1). The
# consequence for GAN training (oscillation rather than convergence) with one remedy (1).
# ### END SOLUTION
