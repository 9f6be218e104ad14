# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 01 — The vanilla GAN and the DCGAN
#
# A generative adversarial network (GAN) trains two networks against each other
# (Goodfellow et al. 2014, *Generative Adversarial Nets*, https://arxiv.org/abs/1406.2661):
#
# * the **generator** $G$ maps noise $z \sim \mathcal N(0, I)$ to a sample $G(z)$;
# * the **discriminator** $D$ maps a sample to a **logit** $D(x) \in \mathbb R$ (a raw score, not a
#   probability); $\sigma(D(x)) = 1/(1 + e^{-D(x)})$ is its belief that $x$ is real.
#
# Throughout the course $D(x)$ is the logit and $\sigma(D(x))$ the probability.
#
# In this assignment you write the pieces that turn these two networks into a GAN: the
# discriminator loss, the two generator losses of the paper, the scores we monitor, and the
# weight initialisation of the DCGAN (Radford et al. 2015, *Unsupervised Representation Learning with
# Deep Convolutional GANs*, https://arxiv.org/abs/1511.06434). Then you train a DCGAN with **your**
# functions and read its training curves.
#
# **How to work.** Fill in every cell that says `raise NotImplementedError()`, run the test cell
# below it, and read its message if it fails. `gan-course check 01_vanilla_dcgan` runs all the
# visible tests at once. The grader runs further hidden tests on your functions alone: only the
# cells tagged `grader-setup` (the imports below) exist there, so your graded functions may use
# `torch`, `torch.nn`, `torch.nn.functional`, `numpy` and `math`, but **not** `gan_course`
# (a graded function that calls the package's reference implementation gets no credit).
#
# **Compute.** Every training cell reads its size from `gan_course.budget`: by default it trains for
# real (a few minutes on a laptop CPU); with `GAN_COURSE_BUDGET=grader` (set by the grader) the
# whole notebook runs in well under a minute.

# %% nbgrader={"grade": false, "grade_id": "setup_imports", "locked": true, "schema_version": 3, "solution": false} tags=["grader-setup"]
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# %% [markdown]
# The rest of the notebook (data, training, plots) uses the `gan_course` package. Tiny models run
# fastest on one CPU thread under the grader's budget.

# %%
# %matplotlib inline
from dataclasses import replace

from IPython.display import display

from gan_course import budget
from gan_course.course.references import show_beside
from gan_course.data import load_dataset, synthetic_like
from gan_course.errors import DatasetNotFoundError, GanCourseError
from gan_course.losses import get_loss
from gan_course.metrics import compute_fid, load_feature_network
from gan_course.models import build_models
from gan_course.plotting import image_grid, plot_grids_side_by_side, plot_loss_comparison, plot_losses, plot_scores
from gan_course.sampling import generate, noise
from gan_course.train import Trainer, load_config, resolve

torch.set_num_threads(budget.pick(full=torch.get_num_threads(), grader=1))
print("budget:", budget.current())

# %% [markdown]
# ## 1. The discriminator loss
#
# $D$ is a binary classifier: real samples are class 1, generated ones class 0. With logits
# $\ell_r = D(x)$ and $\ell_f = D(G(z))$, its loss is the binary cross-entropy (BCE) of both
# batches, each averaged over its batch:
#
# $$\mathcal L_D = -\frac1B\sum_i \Big[y \log \sigma(\ell_{r,i}) + (1-y)\log\big(1-\sigma(\ell_{r,i})\big)\Big]
#   \;-\; \frac1B\sum_i \log\big(1-\sigma(\ell_{f,i})\big),$$
#
# where the real target is normally $y = 1$. **One-sided label smoothing** (Salimans et al. 2016,
# *Improved Techniques for Training GANs*, https://arxiv.org/abs/1606.03498, section 3.4) sets
# $y = 0.9$ for the real samples only, so that $D$ is never rewarded for being overconfident;
# the fake targets stay 0.
#
# **Numerics.** Never compute $\log\sigma(\ell)$ as `torch.log(torch.sigmoid(l))`: for $\ell = -100$
# the sigmoid rounds to 0 and the log to $-\infty$. Work with logits:
# $-\log\sigma(\ell) = \operatorname{softplus}(-\ell)$ and $-\log(1-\sigma(\ell)) = \operatorname{softplus}(\ell)$,
# which is what `F.binary_cross_entropy_with_logits` does. Your loss must accept logits of shape
# `(B,)` or `(B, 1)`, return a 0-dim tensor, and stay differentiable.

# %% nbgrader={"grade": false, "grade_id": "discriminator_loss", "locked": false, "schema_version": 3, "solution": true}
def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Mean BCE of the real logits against `real_label` plus mean BCE of the fake logits against 0.

    real_logits, fake_logits: (B,) or (B, 1) raw discriminator outputs. Returns a 0-dim tensor.
    """
    ### BEGIN SOLUTION
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real_loss + fake_loss
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_discriminator_loss", "locked": true, "points": 3, "schema_version": 3, "solution": false}
zeros = torch.zeros(8)
loss = discriminator_loss(zeros, zeros)
assert isinstance(loss, torch.Tensor) and loss.dim() == 0, \
    "return one number for the batch: a 0-dim tensor (average with .mean(), never a Python float)"
assert abs(discriminator_loss(torch.full((16,), 3.0), torch.zeros(16)).item()
           - discriminator_loss(torch.full((4,), 3.0), torch.zeros(4)).item()) < 1e-6, \
    "the loss must not depend on the batch size: average over the batch, do not sum"
right = discriminator_loss(torch.full((8,), 30.0), torch.full((8,), -30.0))  # confident and right
wrong = discriminator_loss(torch.full((8,), -30.0), torch.full((8,), 30.0))  # confident and wrong
assert torch.isfinite(right) and torch.isfinite(wrong), \
    "logits of magnitude 30 must give a finite loss: sigmoid(30) is exactly 1.0 in float32, so log(1 - sigmoid(x)) is log(0); work with the logits"
assert abs(wrong.item() - right.item()) > 10, \
    "your loss barely changes between a confidently right and a confidently wrong discriminator: the inputs are raw logits, was the sigmoid applied twice?"
assert abs(discriminator_loss(torch.full((8,), 2.0), torch.full((8,), -1.0)).item()
           - discriminator_loss(torch.full((8,), 2.0), torch.full((8,), -1.0), real_label=1.0).item()) < 1e-6, \
    "with no real_label argument the loss must be the one for real_label=1.0: keep the default of the given signature"
assert right.item() < 1e-6, \
    "a discriminator that is right and confident should have a loss close to 0: real logits go with real_label, fake logits with 0"
assert abs(loss.item() - 2 * math.log(2)) < 1e-5, \
    "with logits 0, D(x) = D(G(z)) = 1/2 and each BCE term is log 2: the loss adds the two mean BCE terms, 2 log 2"
smoothed = discriminator_loss(torch.full((8,), 10.0), torch.full((8,), -10.0), real_label=0.9)
assert abs(smoothed.item() - (F.softplus(torch.tensor(10.0)) - 9.0 + F.softplus(torch.tensor(-10.0))).item()) < 1e-4, \
    "with real_label=0.9 a very confident D(x) is penalised: the real target is 0.9, the fake target stays 0"
assert abs(wrong.item() - 2 * F.softplus(torch.tensor(30.0)).item()) < 1e-3, \
    "confidently wrong logits (real -30, fake +30) cost softplus(30) per term; your value is off because sigmoid(30) " \
    "rounds to 1.0 in float32 and a loss on probabilities clamps log(0): compute the BCE from the logits"
column = discriminator_loss(torch.full((8, 1), 2.0), torch.full((8, 1), -1.0))
assert abs(column.item() - discriminator_loss(torch.full((8,), 2.0), torch.full((8,), -1.0)).item()) < 1e-6, \
    "logits of shape (B, 1) must give the same loss as (B,): build targets with the logits' own shape"
huge = discriminator_loss(torch.full((4,), -100.0), torch.full((4,), 100.0))
assert torch.isfinite(huge), "logits of magnitude 100 must give a finite loss: compute the log-sigmoid from logits"
real, fake = torch.zeros(4, requires_grad=True), torch.zeros(4, requires_grad=True)
discriminator_loss(real, fake).backward()
assert all(g is not None and torch.isfinite(g).all() and g.abs().sum() > 0 for g in (real.grad, fake.grad)), \
    "the loss must be differentiable in both the real and the fake logits: did you detach one of them?"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("01_vanilla_dcgan", "discriminator_loss", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Two generator losses
#
# Goodfellow et al. write the game with $D$'s probability (their $D$ is our $\sigma(D)$):
#
# $$\min_G \max_D\, V(G, D), \qquad V(G, D) = \mathbb E_{x \sim p_{\text{data}}}\big[\log \sigma(D(x))\big] + \mathbb E_{z}\big[\log\big(1 - \sigma(D(G(z)))\big)\big].$$
#
# With real target 1, the discriminator loss of section 1 is exactly $-V$ estimated on two batches.
# The generator's part of it is the **minimax** (saturating) loss
#
# $$\mathcal L_G^{\text{minimax}} = \frac1B\sum_i \log\big(1 - \sigma(\ell_{f,i})\big),$$
#
# which $G$ minimises. Early in training $D$ rejects the fakes easily ($\ell_f \ll 0$), where
# this loss is flat: $G$ receives almost no gradient. The same paper therefore trains $G$ with the
# **non-saturating** loss, the BCE of the fake logits against the *real* label:
#
# $$\mathcal L_G^{\text{NS}} = -\frac1B\sum_i \log \sigma(\ell_{f,i}).$$
#
# Both have the same fixed point, but very different gradients where it matters. Compute both
# stably from logits: $\log(1 - \sigma(\ell)) = -\operatorname{softplus}(\ell)$.

# %% nbgrader={"grade": false, "grade_id": "generator_loss", "locked": false, "schema_version": 3, "solution": true}
def generator_loss(fake_logits):
    """Non-saturating generator loss: mean BCE of the fake logits against 1. (B,) or (B, 1) -> 0-dim."""
    ### BEGIN SOLUTION
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_generator_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false}
loss = generator_loss(torch.zeros(8))
assert isinstance(loss, torch.Tensor) and loss.dim() == 0, \
    "return one number for the batch: a 0-dim tensor (average with .mean())"
assert abs(generator_loss(torch.full((16,), 1.5)).item() - generator_loss(torch.full((4,), 1.5)).item()) < 1e-6, \
    "the loss must not depend on the batch size: average over the batch, do not sum"
fooled, rejected = generator_loss(torch.full((8,), 30.0)), generator_loss(torch.full((8,), -30.0))
assert abs(rejected.item() - fooled.item()) > 10, \
    "your loss barely changes between logit -30 (D rejects the fakes) and +30 (D is fooled): the inputs are raw " \
    "logits, was the sigmoid applied twice?"
assert rejected.item() > fooled.item(), \
    "the generator's loss must fall as D(G(z)) rises: check the target and the sign (the generator wants D to say 'real')"
logits = torch.full((4,), -5.0, requires_grad=True)
generator_loss(logits).backward()
assert logits.grad.abs().sum().item() > 0.5, \
    "where D confidently rejects the fakes (logit -5) your loss is nearly flat: that is the saturating loss " \
    "log(1 - D(G(z))) of section 2's minimax game; generator_loss is the non-saturating -log D(G(z))"
assert abs(loss.item() - math.log(2)) < 1e-5, \
    "with logit 0, D(G(z)) = 1/2 and -log(1/2) = log 2"
assert fooled.item() < 1e-6, \
    "when D is fooled (large positive logits) the generator's loss should be close to 0: its target is exactly 1"
far = generator_loss(torch.full((4,), -100.0))
assert torch.isfinite(far) and abs(far.item() - 100.0) < 1e-3, \
    "for a logit of -100 the loss is softplus(100) = 100: compute it from logits, not from sigmoid"
assert abs(generator_loss(torch.full((8, 1), 1.5)).item() - generator_loss(torch.full((8,), 1.5)).item()) < 1e-6, \
    "(B, 1) logits must give the same loss as (B,)"
logits = torch.full((4,), -100.0, requires_grad=True)
generator_loss(logits).backward()
assert abs(logits.grad.sum().item() + 1.0) < 1e-3, \
    "at logit -100 the generator must still get its full gradient (d loss / d logit = -1/B per sample): a loss " \
    "computed from clamped probabilities loses it; compute it from the logits"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("01_vanilla_dcgan", "generator_loss", globals())
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "minimax_generator_loss", "locked": false, "schema_version": 3, "solution": true}
def minimax_generator_loss(fake_logits):
    """Saturating (original minimax) loss: mean of log(1 - sigmoid(fake_logits)), computed stably.

    (B,) or (B, 1) -> 0-dim tensor, minimised by the generator.
    """
    ### BEGIN SOLUTION
    return -F.softplus(fake_logits).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_minimax_generator_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false}
loss = minimax_generator_loss(torch.zeros(8))
assert isinstance(loss, torch.Tensor) and loss.dim() == 0, \
    "return one number for the batch: a 0-dim tensor (average with .mean())"
assert abs(minimax_generator_loss(torch.full((16,), 1.5)).item()
           - minimax_generator_loss(torch.full((4,), 1.5)).item()) < 1e-6, \
    "the loss must not depend on the batch size: average over the batch, do not sum"
fooled, rejected = minimax_generator_loss(torch.full((8,), 30.0)), minimax_generator_loss(torch.full((8,), -30.0))
assert torch.isfinite(fooled) and torch.isfinite(rejected), \
    "logits of magnitude 30 must give a finite loss: sigmoid(30) is exactly 1.0 in float32, so log(1 - sigmoid(x)) is log(0); work with the logits"
assert abs(rejected.item() - fooled.item()) > 10, \
    "your loss barely changes between logit -30 and +30: the inputs are raw logits, was the sigmoid applied twice?"
assert minimax_generator_loss(torch.full((8,), 2.0)).item() < minimax_generator_loss(torch.full((8,), -2.0)).item(), \
    "the generator minimises this loss, so it must fall as D(G(z)) rises: check which probability goes in the log, and the sign"
logits = torch.full((4,), -8.0, requires_grad=True)
minimax_generator_loss(logits).backward()
assert 0 < logits.grad.abs().max().item() < 1e-3, \
    "when D confidently rejects the fakes (logit -8) the minimax loss is nearly flat -- that is its saturation -- but " \
    "yours is not: is it the non-saturating loss -log D(G(z)) instead?"
assert abs(loss.item() - math.log(0.5)) < 1e-5, \
    "with logit 0, log(1 - 1/2) = -log 2"
high = minimax_generator_loss(torch.full((4,), 100.0))
assert torch.isfinite(high) and abs(high.item() + 100.0) < 1e-3, \
    "for a logit of 100, log(1 - sigmoid(100)) = -softplus(100) = -100; 1 - sigmoid(100) rounds to 0 in float32"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("01_vanilla_dcgan", "minimax_generator_loss", globals())
### END HIDDEN TESTS

# %% [markdown]
# Here is the saturation in one picture: the gradient each loss sends back to a fake logit
# $D(G(z))$ (autograd through **your** two functions). The top axis reads the same points as
# probabilities $\sigma(D(G(z)))$. On the left $D$ rejects the fakes confidently; on the right the
# fakes fool it. The cell also prints both slopes at three logits.

# %%
from matplotlib.figure import Figure

grid = torch.linspace(-10, 10, 201, requires_grad=True)
slopes = {}
for name, loss_fn in {"non-saturating": generator_loss, "minimax": minimax_generator_loss}.items():
    (grad,) = torch.autograd.grad(loss_fn(grid), grid)
    slopes[name] = grad * len(grid)  # d loss / d logit of one sample (the loss averages over 201)
fig = Figure(figsize=(6, 3.2), layout="constrained")
ax = fig.add_subplot()
for name, slope in slopes.items():
    ax.plot(grid.detach(), slope, label=name)
ax.set_xlabel(r"logit of a fake, $D(G(z))$")
ax.set_ylabel(r"d loss / d $D(G(z))$")
ax.axvline(0, color="0.7", linewidth=0.8)
to_probability = lambda logit: 1 / (1 + np.exp(-logit))  # noqa: E731 - sigma, on numpy arrays
to_logit = lambda p: np.log(np.clip(p, 1e-12, 1 - 1e-12) / np.clip(1 - p, 1e-12, 1))  # noqa: E731
top = ax.secondary_xaxis("top", functions=(to_probability, to_logit))  # the same points as probabilities
top.set_xticks([0.001, 0.1, 0.5, 0.9, 0.999])
top.set_xlabel(r"$\sigma(D(G(z)))$: D's probability that the fake is real")
ax.legend()
for logit in (-10.0, 0.0, 10.0):
    index = int(round((logit + 10) * 10))  # grid[index] == logit
    print(f"D(G(z)) = {logit:+5.1f}  (sigma = {torch.sigmoid(torch.tensor(logit)):.5f}):  "
          f"non-saturating slope {slopes['non-saturating'][index]:+.5f}   minimax slope {slopes['minimax'][index]:+.5f}")
fig

# %% [markdown]
# ### Written answer: the two asymptotes of the saturation plot
#
# Derive the slope of each generator loss with respect to one fake logit $\ell = D(G(z))$ (for one
# sample: $\mathcal L^{\text{NS}} = -\log\sigma(\ell)$, $\mathcal L^{\text{minimax}} = \log(1 - \sigma(\ell))$; use
# $\sigma'(\ell) = \sigma(\ell)(1 - \sigma(\ell))$). What does each slope tend to as $\ell \to -\infty$ and as
# $\ell \to +\infty$? Check your limits against the curves and the slopes your cell printed. Which end of
# the plot is the start of training, and what does that mean for a generator trained with each loss?
#
# Then come back after section 5, which trains the same DCGAN once with each generator loss, and read
# your two runs: where on this plot did each run's $\sigma(D(G(z)))$ sit early in training, what did the
# generator's gradient norm do there, and what do the two sample grids and FIDs show? Quote your numbers.

# %% [markdown] nbgrader={"grade": true, "grade_id": "saturation_answer", "locked": false, "points": 4, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# **Model answer.** $\frac{d}{d\ell}\big[-\log\sigma(\ell)\big] = -\frac{\sigma(\ell)(1-\sigma(\ell))}{\sigma(\ell)} = -(1 - \sigma(\ell))$ and
# $\frac{d}{d\ell}\log(1 - \sigma(\ell)) = -\frac{\sigma(\ell)(1-\sigma(\ell))}{1 - \sigma(\ell)} = -\sigma(\ell)$. As $\ell \to -\infty$
# ($\sigma \to 0$, $D$ confidently rejects the fake) the non-saturating slope tends to $-1$ and the minimax
# slope to $0$; as $\ell \to +\infty$ ($\sigma \to 1$, the fake fools $D$) the non-saturating slope tends to 0
# and the minimax slope to $-1$. The printed values agree: at $\ell = -10$ the slopes are about $-0.99995$
# and $-0.00005$, at $0$ both are $-0.5$, at $+10$ about $-0.00005$ and $-0.99995$. Early in training the
# samples are poor and $D$ separates them easily, so the fake logits sit on the left: the minimax loss
# gives $G$ almost no gradient exactly when it most needs one (it "saturates"), while the non-saturating
# loss gives a full-size gradient there; the two have the same fixed points, which is why Goodfellow et
# al. train $G$ with the non-saturating loss. (Its own flat end is on the right, where $G$ already fools
# $D$ and needs no push.)
#
# *The two runs of section 5* (full budget). The numbers vary with the machine's data set and seed, so
# grade the reading, not the values; the course book's chapter 01 ("The saturating loss") shows a stored
# pair of runs of the same recipe with its numbers. What to expect: in both runs $D$ wins the first few
# dozen iterations and pushes $\sigma(D(G(z)))$ towards 0, the left end of the plot. With the
# non-saturating loss the generator still receives a gradient of order one there, so $\sigma(D(G(z)))$
# climbs back and the samples become recognisable. With the minimax loss the gradient at the left end is
# $-\sigma(\ell) \approx 0$: while $D$ stays confident, $\sigma(D(G(z)))$ stays near 0, the generator's
# gradient norm is orders of magnitude smaller and the grid improves more slowly (a higher FID at the
# same iterations). Same data, initialisation, optimiser and iterations: only the slope of the
# generator's loss at the left end differs, exactly the asymptotes derived above. A student whose
# minimax run recovered (it can, when $D$ happens not to saturate) should say so and read the curves
# for whether and when $\sigma(D(G(z)))$ left the left end.
#
# **Rubric (4 points).** Both derivatives, $-(1-\sigma(\ell))$ and $-\sigma(\ell)$ (1). The four limits, checked
# against the printed slopes or the plot (1). The left end is early training: the minimax gradient
# vanishes there, the non-saturating one does not (1). The two runs read with their own numbers
# ($\sigma(D(G(z)))$, gradient norm, grids or FID), the stall (or its absence) tied to the left asymptote (1).
# ### END SOLUTION

# %% [markdown]
# ## 3. What we monitor: $\sigma(D(x))$ and $\sigma(D(G(z)))$
#
# The losses alone are hard to read. We also track the mean probabilities the discriminator gives
# to a real batch and a fake batch, $\overline{\sigma(\ell_r)} = \frac1B\sum_i \sigma(D(x_i))$ and
# $\overline{\sigma(\ell_f)} = \frac1B\sum_i \sigma(D(G(z_i)))$.
# At the theoretical equilibrium ($p_g = p_{\text{data}}$) the optimal discriminator outputs $1/2$
# everywhere (Goodfellow et al. 2014, proposition 1). Return them as **Python floats**, so they can
# be logged without keeping the graph alive.

# %% nbgrader={"grade": false, "grade_id": "discriminator_scores", "locked": false, "schema_version": 3, "solution": true}
def discriminator_scores(real_logits, fake_logits):
    """(mean sigma(D(x)), mean sigma(D(G(z)))): the mean probabilities, a tuple of two Python floats."""
    ### BEGIN SOLUTION
    return torch.sigmoid(real_logits).mean().item(), torch.sigmoid(fake_logits).mean().item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_discriminator_scores", "locked": true, "points": 1, "schema_version": 3, "solution": false}
scores = discriminator_scores(torch.zeros(8), torch.zeros(8))
assert isinstance(scores, tuple) and len(scores) == 2, "return a tuple (mean D(x), mean D(G(z)))"
assert all(isinstance(s, (float, np.floating)) for s in scores), "return Python floats (use .item()), not tensors"
assert all(0.0 <= s <= 1.0 for s in discriminator_scores(torch.full((8,), 3.0), torch.full((8,), -3.0))), \
    "scores are probabilities, between 0 and 1: apply the sigmoid to the logits, then average them (mean, not sum)"
assert abs(scores[0] - 0.5) < 1e-6 and abs(scores[1] - 0.5) < 1e-6, "a logit of 0 is a probability of 1/2"
high, low = discriminator_scores(torch.full((4,), 3.0), torch.full((4,), -3.0))
assert high > 0.5 > low, "the first score is mean D(x) on the real logits, the second mean D(G(z)) on the fake logits"
real_p, fake_p = discriminator_scores(torch.tensor([4.0, -2.0]), torch.full((2,), -10.0))
assert abs(real_p - (torch.sigmoid(torch.tensor(4.0)) + torch.sigmoid(torch.tensor(-2.0))).item() / 2) < 1e-5, \
    "average the probabilities, not the logits: the sigmoid goes on each logit, then the mean"
assert fake_p < 1e-3, "D(G(z)) is the mean probability D gives the fakes of being real"
from_d = torch.zeros(4, requires_grad=True) * 1.0  # logits straight from D carry a gradient graph
assert all(isinstance(s, (float, np.floating)) for s in discriminator_scores(from_d, from_d)), \
    "the scores must work on logits that carry a gradient graph (straight from D): read the numbers out with .item()"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("01_vanilla_dcgan", "discriminator_scores", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 4. DCGAN weight initialisation
#
# Radford et al. (section 4) initialise every weight from $\mathcal N(0, 0.02^2)$. The common
# implementation (the PyTorch DCGAN example) does this for convolution and transposed-convolution
# weights, draws the BatchNorm scales from $\mathcal N(1, 0.02^2)$ so each BatchNorm starts close to the
# identity, and zeroes the BatchNorm shifts. Write it as a function of **one module**, so it can be
# used as `model.apply(dcgan_weights_init)` (which calls it on every submodule); leave every other
# module as it is.

# %% nbgrader={"grade": false, "grade_id": "dcgan_weights_init", "locked": false, "schema_version": 3, "solution": true}
def dcgan_weights_init(module):
    """In place: Conv/ConvTranspose weights ~ N(0, 0.02); BatchNorm weight ~ N(1, 0.02), bias 0."""
    ### BEGIN SOLUTION
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dcgan_weights_init", "locked": true, "points": 2, "schema_version": 3, "solution": false}
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(64, 64, 4), nn.BatchNorm2d(512), nn.ConvTranspose2d(64, 64, 4, bias=False), nn.Linear(64, 64))
nn.init.constant_(net[1].bias, 0.5)  # as after some training: the initialisation must reset it
linear_before = net[3].weight.detach().clone()
net.apply(dcgan_weights_init)
for index in (0, 2):
    w = net[index].weight.detach()
    assert abs(w.mean().item()) < 2e-3 and abs(w.std().item() - 0.02) < 1e-3, \
        f"{type(net[index]).__name__} weights should be drawn from N(0, 0.02): mean 0, standard deviation 0.02"
bn = net[1]
assert abs(bn.weight.mean().item() - 1.0) < 5e-3 and abs(bn.weight.std().item() - 0.02) < 5e-3, \
    "BatchNorm scales (weight) should be drawn from N(1, 0.02), so each BatchNorm starts close to the identity"
assert torch.all(bn.bias == 0), "BatchNorm shifts (bias) should be zero"
assert torch.equal(net[3].weight, linear_before), "other modules (here a Linear layer) must be left untouched"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("01_vanilla_dcgan", "dcgan_weights_init", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Train a DCGAN with your functions
#
# This notebook trains on MNIST's handwritten digits when they are on the machine. They cannot be
# downloaded offline: where they are missing the next cell says so and trains on **Fashion-MNIST**'s
# clothes instead, and on tiny synthetic images if even those are missing, so the notebook always
# runs. The cell prints the data set it loaded; read your figures (digits or clothes) accordingly.

# %%
N_IMAGES = budget.pick(full=None, grader=512)  # None: the whole training split
data = None
for DATASET in ("mnist", "fashion-mnist"):
    try:
        data = load_dataset(DATASET, max_items=N_IMAGES)
        break
    except DatasetNotFoundError as error:
        print(f"{DATASET} is not available here: {str(error)[:160]}")
SUBJECT = {"mnist": "digits (MNIST)", "fashion-mnist": "clothes (Fashion-MNIST)"}[DATASET]
if data is None:
    print("no image data set found: training on tiny synthetic images instead")
    DATASET, data, SUBJECT = "mnist", synthetic_like("mnist", n=256), "synthetic images"
print(f"training on {data}: the generated images will be {SUBJECT}")
image_grid(data.sample(32, generator=torch.Generator().manual_seed(0))[0], title=f"real {data.name}")

# %% [markdown]
# The package's trainer runs the loop of Goodfellow et al. (algorithm 1, one $D$ step per $G$ step)
# with the DCGAN architecture for 28x28 images and the course's recipe `dcgan-fashion-strong-d`
# (`gan_course/configs/dcgan-fashion-strong-d.yaml`: Adam as in Radford et al., the width, the batch
# size and the rest; the cell prints it). It gives the discriminator a head start: $D$ learns four
# times faster than $G$, so early in training it rejects the fakes with confidence, which is the
# situation section 2 is about. (The course's balanced recipe `dcgan-fashion` trains faster still;
# with it even the minimax loss usually recovers, which is a finding too.) Everything that defines
# the GAN is yours: the models are initialised with your `dcgan_weights_init`, and the objective is
# your `discriminator_loss` with one of your generator losses.
#
# You train it **twice**, on the same data, from the same initialisation and for the same number of
# iterations: once with your non-saturating `generator_loss`, once with your saturating
# `minimax_generator_loss`. Only the generator's loss differs, so whatever differs between the two runs
# is what section 2's saturation plot predicts (or not).

# %%
ITERATIONS = budget.pick(full=3000, grader=6)  # per run (192,000 images at batch 64); both fit the notebook's 10 min
recipe = load_config("dcgan-fashion-strong-d")  # the course's recipe, by name
base = resolve(replace(
    recipe, dataset=DATASET, seed=0, max_steps=ITERATIONS,
    batch_size=budget.pick(full=recipe.batch_size, grader=32),
    width=budget.pick(full=recipe.width, grader=8),
    threads=budget.pick(full=recipe.threads, grader=1),
    compile=budget.pick(full=recipe.compile, grader=False),  # compiling costs more than 6 iterations save
    fid_every=None,  # the notebook measures FID itself, once, at the end
    log_every=budget.pick(full=10, grader=1),
    grid_size=64,
    tensorboard=budget.pick(full=True, grader=False),  # the grader throws its runs away: no TensorBoard
    plots=budget.pick(full=True, grader=False),  # logs and no plots/ for it
))
print(f"recipe {recipe.name}: batch {base.batch_size}, width {base.width or 'default'}, {base.optimizer} "
      f"lr_g {base.lr_g:g} lr_d {base.lr_d:g} betas {base.betas}, EMA {base.ema_decay}; {ITERATIONS} iterations per run")


def train_dcgan(name, loss_name, g_loss):
    """Train the recipe with your discriminator_loss and `g_loss` from the same seeded initialisation."""
    config = resolve(replace(base, name=name, loss=loss_name))
    torch.manual_seed(config.seed)
    G, D = build_models(config.model, data_shape=data.shape, num_classes=data.num_classes,
                        latent_dim=config.latent_dim, width=config.width)
    G.apply(dcgan_weights_init)
    D.apply(dcgan_weights_init)
    yours = replace(get_loss(loss_name), name=f"{loss_name} (yours)", d_loss=discriminator_loss, g_loss=g_loss)
    trainer = Trainer(config, data=data, generator=G, discriminator=D, loss=yours)
    result = trainer.fit(overwrite=True)
    print(f"{name}: {result.steps} iterations in {result.train_time:.1f} s; run directory: {result.run_dir}")
    return trainer, result


trainer, result = train_dcgan("01-dcgan", "bce", generator_loss)
G, D = trainer.G, trainer.D
sampler = trainer.sampler  # the generator's EMA copy when the recipe keeps one, else G itself

# %%
plot_losses(result.history, title="DCGAN losses (your BCE pair)")

# %% [markdown]
# **A healthy run looks like this.** Beside your scores and your samples: the same figures from the
# course book's stored run of the same recipe with the non-saturating loss (`dcgan-fashion-strong-d` on
# Fashion-MNIST; its caption says how long it trained and its FID). Under the grader's budget yours is
# still noise.

# %%
show_beside(plot_scores(result.history, title=r"mean $\sigma(D(x))$ and $\sigma(D(G(z)))$ during training"),
            "01", "scores")

# %%
z = noise(64, G.latent_dim, seed=1)
show_beside(image_grid(generate(sampler, z), title=f"generated {SUBJECT} after {result.steps} iterations"),
            "01", "samples")

# %% [markdown]
# Now the same DCGAN with your saturating `minimax_generator_loss` (the discriminator keeps your
# `discriminator_loss`): same data, seed, initialisation, optimiser and number of iterations.

# %%
minimax_trainer, minimax_result = train_dcgan("01-dcgan-minimax", "minimax", minimax_generator_loss)
runs = {"non-saturating": result.history, "minimax (saturating)": minimax_result.history}

# %% [markdown]
# The two runs side by side: the discriminator's mean probability on the fakes, $\sigma(D(G(z)))$ (the
# position on section 2's plot), the norm of the gradient that reaches the generator's weights (log
# scale) and each run's generator loss (two different losses: compare their shapes, not their values).
# Then a sample grid of each run and its FID (assignment 05 explains it: the Frechet distance between
# real and generated images in the feature space of the package's classifier; lower is better, and with
# this few images it is biased upwards, so compare the two numbers, not with other tables).

# %%
display(plot_loss_comparison(runs, key="d_fake", title=r"mean $\sigma(D(G(z)))$ during training"))
grad_figure = plot_loss_comparison(runs, key="g_grad_norm", title="norm of the generator's gradient (log scale)")
grad_figure.axes[0].set_yscale("log")
display(grad_figure)
display(plot_loss_comparison(runs, key="g_loss", title="each run's generator loss"))

# %%
N_FID = budget.pick(full=1000, grader=64)
try:
    feature_net = load_feature_network(DATASET)  # the package's classifier of this data set
except GanCourseError:
    feature_net = load_feature_network("fashion-mnist")
    print(f"no classifier of {DATASET} is shipped: FID in the Fashion-MNIST classifier's feature space")
fid_real = data.sample(min(N_FID, len(data)), generator=torch.Generator().manual_seed(4))[0]
grids = {}
for name, run_trainer, run in (("non-saturating", trainer, result), ("minimax (saturating)", minimax_trainer, minimax_result)):
    steps = run.history.steps
    d_fake = np.array([np.nan if v is None else v for v in steps["d_fake"]], dtype=float)
    g_norm = np.array([np.nan if v is None else v for v in steps["g_grad_norm"]], dtype=float)
    quarter = max(1, len(d_fake) // 4)
    fid = compute_fid(fid_real, generate(run_trainer.sampler, noise(N_FID, G.latent_dim, seed=5)),
                      feature=feature_net, cache=False).value
    grids[f"{name}: FID {fid:.1f}"] = generate(run_trainer.sampler, z)
    print(f"{name:21s} mean sigma(D(G(z))): first quarter {np.nanmean(d_fake[:quarter]):.3f}, "
          f"last quarter {np.nanmean(d_fake[-quarter:]):.3f};  median generator gradient norm "
          f"{np.nanmedian(g_norm):.2e};  FID ({N_FID} images) {fid:.1f}")
plot_grids_side_by_side(grids, columns=8, title=f"the same generator noise after {result.steps} iterations")

# %% [markdown]
# Your `discriminator_scores` on a fresh batch, with $D$ in evaluation mode (BatchNorm uses its running
# statistics here, so the numbers differ a little from the training-mode values logged above), and
# your `discriminator_loss` on the same batches with real target 1, which estimates $-V(G, D)$:

# %%
device = next(D.parameters()).device  # the trainer may have moved the models to a GPU
real, _ = data.sample(256, generator=torch.Generator().manual_seed(2), device=device)
fake = generate(G, noise(256, G.latent_dim, seed=3)).to(device)
with torch.no_grad():
    D.eval()
    d_real, d_fake = discriminator_scores(D(real), D(fake))
    loss_d = discriminator_loss(D(real), D(fake)).item()  # -V(G, D) estimated on these two batches
    D.train()
print(f"mean sigma(D(x)) = {d_real:.3f}   mean sigma(D(G(z))) = {d_fake:.3f}")
print(f"discriminator loss (real target 1) = {loss_d:.3f}   log 4 = {math.log(4):.3f}")
print(f"lower bound on JSD(p_data || p_g) from this D: (log 4 - loss) / 2 = {(math.log(4) - loss_d) / 2:.3f}"
      f"   (at most log 2 = {math.log(2):.3f})")

# %% [markdown]
# ## 6. Written answers
#
# ### The optimal discriminator and the Jensen-Shannon divergence
#
# For a fixed generator with density $p_g$, derive the discriminator probability that maximises
# $V(G, D)$: show that $\sigma(D^*(x)) = \dfrac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_g(x)}$ (maximise the
# integrand pointwise: $a \log y + b \log(1 - y)$ over $y \in (0, 1)$). Then show that
# $V(G, D^*) = 2\,\mathrm{JSD}(p_{\text{data}} \,\|\, p_g) - \log 4$, with
# $\mathrm{JSD}(P \| Q) = \tfrac12 \mathrm{KL}(P \| M) + \tfrac12 \mathrm{KL}(Q \| M)$ and $M = (P + Q)/2$. What is
# $\sigma(D^*)$ when $p_g = p_{\text{data}}$? Finally, read the numbers your last cell printed: why is
# $(\log 4 - \mathcal L_D)/2$ a lower bound on the JSD between your generator and the data (and not its
# value), and what does your number say?

# %% [markdown] nbgrader={"grade": true, "grade_id": "optimal_discriminator_answer", "locked": false, "points": 4, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# **Model answer.** Write $V(G, D) = \int \big[p_{\text{data}}(x) \log y(x) + p_g(x) \log(1 - y(x))\big]\,dx$ with
# $y = \sigma(D)$ (the second expectation becomes an integral over $x = G(z) \sim p_g$). For fixed $x$,
# $a \log y + b \log(1-y)$ with $a, b \ge 0$ has derivative $a/y - b/(1-y)$, zero at $y = a/(a+b)$, and is
# concave, so the maximum over $y \in (0,1)$ is there: $\sigma(D^*(x)) = p_{\text{data}}(x) / (p_{\text{data}}(x) + p_g(x))$.
# Substituting, with $M = (p_{\text{data}} + p_g)/2$:
# $V(G, D^*) = \mathbb E_{p_{\text{data}}}\big[\log \frac{p_{\text{data}}}{2M}\big] + \mathbb E_{p_g}\big[\log \frac{p_g}{2M}\big]
# = \mathrm{KL}(p_{\text{data}} \| M) + \mathrm{KL}(p_g \| M) - 2 \log 2 = 2\,\mathrm{JSD}(p_{\text{data}} \| p_g) - \log 4.$
# Since $\mathrm{JSD} \ge 0$ with equality iff $p_g = p_{\text{data}}$, the generator's best value is $-\log 4$,
# reached exactly when $p_g = p_{\text{data}}$, where $\sigma(D^*) = 1/2$ everywhere (Goodfellow et al. 2014,
# proposition 1 and theorem 1). Any real discriminator does no better than $D^*$, so
# $-\mathcal L_D = V(G, D) \le V(G, D^*) = 2\,\mathrm{JSD} - \log 4$, i.e.
# $\mathrm{JSD} \ge (\log 4 - \mathcal L_D)/2$: a bound, not the value, because the trained $D$ is not optimal
# (finite capacity and training), and the two batches only estimate the expectations (noise of order
# $1/\sqrt{256}$). Reading the printed numbers: a loss below $\log 4 \approx 1.386$ gives a positive bound, in
# nats, out of at most $\log 2 \approx 0.693$ (disjoint supports); the closer the bound is to $\log 2$, the
# more surely the generator's distribution differs from the data's; a loss at or above $\log 4$ makes the
# bound vacuous (it then says nothing, not that $p_g = p_{\text{data}}$). A discriminator that still separates
# real from fake well (mean probabilities far from 1/2) gives a clearly positive bound.
#
# **Rubric (4 points).** The pointwise maximisation giving $\sigma(D^*)$ (1). The substitution to
# $2\,\mathrm{JSD} - \log 4$ with the KL terms against the mixture (1). $\sigma(D^*) = 1/2$ and the value
# $-\log 4$ at $p_g = p_{\text{data}}$ (1). The student's printed bound read correctly, with why it is only a
# lower bound (1).
# ### END SOLUTION

# %% [markdown]
# ### Your training curves
#
# Interpret your run. Describe the loss curves and the curves of $\sigma(D(x))$ and $\sigma(D(G(z)))$ over
# training: which phases do you see, which network is "winning" when, and what would these curves look
# like at the theoretical equilibrium? Does a falling generator loss mean the samples are getting
# better? Use your figures (train with the full budget) and what you learnt about saturation in
# section 2.

# %% [markdown] nbgrader={"grade": true, "grade_id": "loss_curves_answer", "locked": false, "points": 4, "schema_version": 3, "solution": true}
# ### BEGIN SOLUTION
# **Model answer.** A good answer refers to the student's own curves and makes these points:
#
# * *Start:* $D$ learns fastest. $\sigma(D(x))$ rises towards 1 and $\sigma(D(G(z)))$ falls towards 0 in the
#   first few hundred steps; $\mathcal L_D$ drops and $\mathcal L_G$ (non-saturating) rises.
# * *Then:* the curves do not converge like a supervised loss; they oscillate around a plateau.
#   $\sigma(D(x))$ typically settles around 0.6–0.8 and $\sigma(D(G(z)))$ around 0.2–0.4: $D$ keeps an edge,
#   $G$ keeps catching up. Spikes are moments where one player overtakes the other.
# * *Equilibrium:* $\sigma(D(x)) = \sigma(D(G(z))) = 1/2$, $\mathcal L_D = 2\log 2 \approx 1.39$ and
#   $\mathcal L_G^{\text{NS}} = \log 2 \approx 0.69$. A GAN rarely sits there.
# * *Losses are not a quality measure:* each loss is measured against a moving opponent, so a lower
#   $\mathcal L_G$ may only mean a weaker $D$. Sample grids (or FID, assignment 05) judge quality.
#   Warning signs: $\sigma(D(G(z))) \to 0$ with $\mathcal L_G$ growing ($D$ wins, $G$ gets no useful signal;
#   with the minimax loss this is exactly where the gradient saturates), or identical samples (mode
#   collapse).
#
# **Rubric (4 points).** Phases identified on their own plot (2). Equilibrium values (1). Losses are not
# a measure of quality (1).
# ### END SOLUTION
