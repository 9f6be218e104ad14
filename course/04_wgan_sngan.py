# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 04 — GAN vs WGAN vs SNGAN
#
# The original GAN is hard to train: when the real and generated distributions barely overlap, the
# optimal discriminator separates them perfectly and its loss carries no useful gradient. Two
# answers changed the field:
#
# * the **Wasserstein GAN** (Arjovsky et al. 2017, https://arxiv.org/abs/1701.07875) replaces the
#   classifier by a **critic** that estimates the earth mover's distance, which stays informative
#   however far apart the distributions are — provided the critic is 1-Lipschitz, enforced by
#   **weight clipping** (Arjovsky et al.) or a **gradient penalty** (WGAN-GP, Gulrajani et al. 2017,
#   https://arxiv.org/abs/1704.00028);
# * **spectral normalisation** (SNGAN, Miyato et al. 2018, https://arxiv.org/abs/1802.05957)
#   constrains every layer of the discriminator to be 1-Lipschitz by construction, and is usually
#   trained with the **hinge loss** (Lim & Ye 2017, https://arxiv.org/abs/1705.02894).
#
# You write the losses and constraints, then train the three families side by side on the 2D ring
# of assignment 02 (where we can *see* the critic) and on images.
#
# **How to work.** Fill in every `raise NotImplementedError()`; `gan-course check 04_wgan_sngan` runs
# all visible tests. Graded code may use only the `grader-setup` imports, never `gan_course`.

# %% nbgrader={"grade": false, "grade_id": "setup_imports", "locked": true, "schema_version": 3, "solution": false} tags=["grader-setup"]
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# %%
# %matplotlib inline
import time
from dataclasses import replace

from IPython.display import Markdown, display

from gan_course import budget
from gan_course.data import load_dataset, synthetic_like
from gan_course.errors import DatasetNotFoundError
from gan_course.experiments.tracking import MIN_PAIRS, Tracking, rank_correlation
from gan_course.losses import CLIP_VALUE, get_loss
from gan_course.metrics import compute_fid, energy_distance, load_feature_network, real_stats
from gan_course.models import DCGAN_WIDTH, DCGANDiscriminator, MLPDiscriminator, MLPGenerator, build_models
from gan_course.plotting import (image_grid, plot_comparison_bars, plot_critic_heatmap, plot_loss_comparison,
                                 plot_scatter, plot_tracking)
from gan_course.reports import markdown_table
from gan_course.sampling import generate, noise
from gan_course.train import EMA, Trainer, TrainConfig, load_config, resolve, train
from gan_course.train.assembly import make_optimizer
from gan_course.train.config import WGAN_GP_BETAS, WGAN_GP_LR, WGAN_LR
from gan_course.train.ema import EMA_WARMUP

THREADS = budget.pick(full=torch.get_num_threads(), grader=1)  # for the convolutional models of section 5
print("budget:", budget.current())

# %% [markdown]
# ## 1. The Wasserstein losses
#
# By the Kantorovich–Rubinstein duality, the earth mover's distance is
#
# $$W(P_r, P_g) = \sup_{\|f\|_L \le 1}\; \mathbb E_{x\sim P_r}[f(x)] - \mathbb E_{x\sim P_g}[f(x)].$$
#
# The critic $f$ (no sigmoid: its outputs are unbounded **scores**) maximises this gap, i.e. minimises
# `critic_loss` $= \overline{f(\text{fake})} - \overline{f(\text{real})}$; the generator wants its
# samples to score high, minimising $-\overline{f(\text{fake})}$. Both average over the batch and
# accept scores of shape `(B,)` or `(B, 1)`.

# %% nbgrader={"grade": false, "grade_id": "critic_loss", "locked": false, "schema_version": 3, "solution": true}
def critic_loss(real_scores, fake_scores):
    """Wasserstein critic loss, minimised by the critic: mean(fake) - mean(real). Returns a 0-dim tensor."""
    ### BEGIN SOLUTION
    return fake_scores.mean() - real_scores.mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_critic_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false}
loss = critic_loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 2.0]))
assert isinstance(loss, torch.Tensor) and loss.dim() == 0, "return a 0-dim tensor"
assert abs(critic_loss(torch.ones(10), torch.zeros(10)).item() - critic_loss(torch.ones(3), torch.zeros(3)).item()) < 1e-6, \
    "average over the batch, do not sum"
assert critic_loss(torch.full((4,), 3.0), torch.zeros(4)).item() < critic_loss(torch.full((4,), 1.0), torch.zeros(4)).item(), \
    "the critic wants high scores on real samples: its loss must fall as the real scores rise (check the sign)"
assert abs(critic_loss(torch.full((4, 1), 50.0), torch.full((4, 1), -50.0)).item() + 100.0) < 1e-4, \
    "the critic's scores are unbounded and used as they are (no sigmoid, no log); scores of shape (B, 1) work the same"
assert abs(loss.item() + 1.0) < 1e-6, "mean(fake) - mean(real) = 1 - 2 = -1 for real (1, 3) and fake (0, 2)"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("04_wgan_sngan", "critic_loss", globals())
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "wasserstein_generator_loss", "locked": false, "schema_version": 3, "solution": true}
def wasserstein_generator_loss(fake_scores):
    """The generator wants high critic scores: -mean(fake). Returns a 0-dim tensor."""
    ### BEGIN SOLUTION
    return -fake_scores.mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_wasserstein_generator_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false}
loss = wasserstein_generator_loss(torch.tensor([1.0, 2.0, 6.0]))
assert isinstance(loss, torch.Tensor) and loss.dim() == 0, "return a 0-dim tensor"
assert abs(wasserstein_generator_loss(torch.full((10,), 2.0)).item() - wasserstein_generator_loss(torch.full((3,), 2.0)).item()) < 1e-6, \
    "average over the batch, do not sum"
assert wasserstein_generator_loss(torch.full((4,), 3.0)).item() < wasserstein_generator_loss(torch.full((4,), 1.0)).item(), \
    "the generator wants the critic to score its fakes high: its loss must fall as the fake scores rise (check the sign)"
assert abs(wasserstein_generator_loss(torch.full((4,), 50.0)).item() + 50.0) < 1e-4, \
    "the critic's scores are unbounded and used as they are (no sigmoid, no log)"
assert abs(loss.item() + 3.0) < 1e-6, "-mean(fake) = -3"
assert wasserstein_generator_loss(torch.full((4, 1), 5.0)).dim() == 0, "return a 0-dim tensor, also for (B, 1) scores"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("04_wgan_sngan", "wasserstein_generator_loss", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Keeping the critic Lipschitz
#
# **Weight clipping** (Arjovsky et al., algorithm 1): after every critic step, clamp every parameter
# into $[-c, c]$ with $c = 0.01$. Crude — it limits the critic's capacity and, as Gulrajani et al.
# show, pushes weights to $\pm c$ — but simple. Do it in place and without recording gradients
# (`with torch.no_grad():` and `p.clamp_(-c, c)`).

# %% nbgrader={"grade": false, "grade_id": "clip_weights", "locked": false, "schema_version": 3, "solution": true}
def clip_weights(critic, clip_value=0.01):
    """Clamp every parameter of `critic` into [-clip_value, clip_value], in place; returns None."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        for parameter in critic.parameters():
            parameter.clamp_(-clip_value, clip_value)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_clip_weights", "locked": true, "points": 1, "schema_version": 3, "solution": false}
critic = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
with torch.no_grad():
    critic[0].weight.copy_(torch.tensor([[0.5, -0.5], [0.005, -0.002], [2.0, 0.0]]))
    critic[1].bias.fill_(-3.0)
weight_before = critic[0].weight
assert clip_weights(critic) is None, "clip in place and return None"
assert critic[0].weight is weight_before, "modify the existing parameters in place, do not replace them"
assert torch.allclose(critic[0].weight, torch.tensor([[0.01, -0.01], [0.005, -0.002], [0.01, 0.0]])), \
    "with the default clip_value=0.01, values outside [-0.01, 0.01] go to the bound and values inside stay"
assert torch.all(critic[1].bias == -0.01), "clip every parameter, biases included"
clip_weights(critic, clip_value=0.001)
assert all(p.abs().max() <= 0.001 for p in critic.parameters()), "use the clip_value argument"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("04_wgan_sngan", "clip_weights", globals())
### END HIDDEN TESTS

# %% [markdown]
# **Gradient penalty** (Gulrajani et al., algorithm 1). A differentiable function is 1-Lipschitz
# iff its gradient norm is at most 1 everywhere, and the optimal critic has gradient norm exactly 1
# on lines between real and generated points. WGAN-GP therefore penalises
#
# $$\lambda\, \mathbb E_{\hat x}\big[(\|\nabla_{\hat x} f(\hat x)\|_2 - 1)^2\big], \qquad
#   \hat x = \epsilon\, x_{\text{real}} + (1 - \epsilon)\, x_{\text{fake}}, \quad \epsilon \sim U(0, 1),$$
#
# with $\lambda = 10$. Details that matter:
#
# * one $\epsilon$ **per sample** (shape `(B,)`, broadcast over the other dimensions), not per pixel;
# * the norm is per sample, over **all** non-batch dimensions (flatten them), not over the whole batch;
# * $\nabla_{\hat x} f$ comes from `torch.autograd.grad(f(x_hat).sum(), x_hat, create_graph=True)`:
#   `create_graph=True` keeps the penalty differentiable, so `backward()` reaches the critic's weights;
# * when `eps` is given, use it (the tests pass it to get exact values).

# %% nbgrader={"grade": false, "grade_id": "gradient_penalty", "locked": false, "schema_version": 3, "solution": true}
def gradient_penalty(critic, real, fake, weight=10.0, eps=None):
    """WGAN-GP: weight * mean((||grad critic(x_hat)|| - 1)^2) on x_hat = eps * real + (1 - eps) * fake.

    critic: callable (B, ...) -> (B,) or (B, 1); real, fake: (B, ...); eps: (B,) or None (then U(0, 1)).
    Returns a 0-dim tensor, differentiable with respect to the critic's parameters.
    """
    ### BEGIN SOLUTION
    batch = real.shape[0]
    if eps is None:
        eps = torch.rand(batch, device=real.device, dtype=real.dtype)  # one per sample
    eps = eps.view(batch, *([1] * (real.dim() - 1)))  # (B, 1, ..., 1)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)  # (B,)
    (grads,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)  # (B, ...)
    norms = grads.flatten(start_dim=1).norm(2, dim=1)  # (B,)
    return weight * ((norms - 1) ** 2).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gradient_penalty", "locked": true, "points": 3, "schema_version": 3, "solution": false}
linear = nn.Linear(2, 1, bias=False)
with torch.no_grad():
    linear.weight.copy_(torch.tensor([[3.0, 4.0]]))  # gradient (3, 4) everywhere: norm 5
real, fake = torch.randn(6, 2), torch.randn(6, 2)
gp = gradient_penalty(linear, real, fake)
assert isinstance(gp, torch.Tensor) and gp.dim() == 0, "return a 0-dim tensor"
assert gp.requires_grad, \
    "the critic is trained on this penalty, so it must stay differentiable with respect to the critic's weights: " \
    "the gradient d critic(x_hat) / d x_hat must itself keep a graph (create_graph=True)"
assert linear.weight.grad is None, \
    "return the penalty and let the training step call backward(): do not call .backward() inside"
assert abs(gradient_penalty(linear, real, fake, weight=1.0).item() - 16.0) < 1e-4 or abs(gp.item() - 160.0) > 1e-3, \
    "use the weight argument"
assert abs(gp.item() - 10 * (5 - 1) ** 2) < 1e-3, \
    "a linear critic with weight (3, 4) has gradient norm 5 at every sample, so the penalty is 10 * (5 - 1)^2 = 160 " \
    "with the default weight 10. Check each piece: the gradient of the SUM of the scores, its L2 norm per sample " \
    "(not squared, not over the whole batch), the square of (norm - 1), the mean over the samples"
assert abs(gradient_penalty(linear, real, fake, weight=1.0).item() - 16.0) < 1e-4, "use the weight argument"
gp.backward()
assert linear.weight.grad is not None and linear.weight.grad.abs().sum() > 0, \
    "the penalty must be differentiable with respect to the critic's weights: create_graph=True"
images = torch.zeros(3, 1, 2, 2), torch.full((3, 1, 2, 2), 2.0)  # real, fake
seen = []  # the points the critic is evaluated at


def energy(x):  # a nonlinear critic whose gradient is x itself
    seen.append(x.detach().clone())
    return 0.5 * (x ** 2).sum(dim=(1, 2, 3))


gp = gradient_penalty(energy, *images)  # eps drawn inside
x_hat = torch.cat(seen)
assert x_hat.shape == (3, 1, 2, 2) and bool(((x_hat >= 0) & (x_hat <= 2)).all()), \
    "evaluate the critic at the interpolates x_hat = eps * real + (1 - eps) * fake (one per sample), eps in [0, 1]"
assert torch.allclose(x_hat, x_hat[:, :, :1, :1].expand_as(x_hat)), \
    "draw one eps per sample, shape (B,), and broadcast it over the sample's pixels: every pixel of an image mixes " \
    "real and fake in the same proportion (not one eps per pixel)"
assert len(set(x_hat[:, 0, 0, 0].tolist())) == 3, "draw one eps per sample, not one for the whole batch"
assert abs(gp.item() - (10 * (x_hat.flatten(1).norm(dim=1) - 1) ** 2).mean().item()) < 1e-4, \
    "this critic's gradient at x_hat is x_hat itself, so the penalty is 10 * mean((||x_hat|| - 1)^2): the norm runs " \
    "over all pixels of one sample, and norms below 1 are penalised as well as norms above"
eps = torch.tensor([0.0, 0.25, 0.5])
norms = 4 * (1 - eps)  # ||x_hat|| over 4 pixels of value 2 * (1 - eps)
expected = 10 * ((norms - 1) ** 2).mean()
assert abs(gradient_penalty(energy, *images, eps=eps).item() - expected.item()) < 1e-4, \
    "with eps given, use it: x_hat = eps * real + (1 - eps) * fake, one eps per sample (eps = 1 gives the real sample)"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("04_wgan_sngan", "gradient_penalty", globals())
### END HIDDEN TESTS

# %% [markdown]
# **The critic's update.** Arjovsky et al.'s algorithm 1 trains the critic $n_\text{critic} = 5$
# times per generator step. One critic step:
#
# 1. clear the critic's stale gradients (PyTorch *adds* new gradients to `.grad`; the generator's
#    step, which backpropagates through the critic, left some there);
# 2. make a fake batch $G(z)$ **without** recording a graph into $G$: this step trains the critic
#    only, so $G$'s parameters and gradients must not change;
# 3. the loss is `critic_loss(critic(real), critic(fake))`, plus `penalty(critic, real, fake)` when a
#    penalty function is given (WGAN-GP);
# 4. one `opt_c.step()`; then, when `clip_value` is given, clamp every critic parameter into
#    $[-c, c]$ (WGAN) — after the step, or the step moves them out again;
# 5. return the critic's **Wasserstein estimate**
#    $\hat W = \overline{f(\text{real})} - \overline{f(\text{fake})}$ as a Python float, measured on the
#    scores of this step (before it) and **without** the penalty: the penalty is a regulariser, not
#    part of the distance.
#
# You may call your `critic_loss` and `clip_weights`.

# %% nbgrader={"grade": false, "grade_id": "critic_step", "locked": false, "schema_version": 3, "solution": true}
def critic_step(critic, generator, opt_c, real, z, penalty=None, clip_value=None):
    """One WGAN critic update; returns the Wasserstein estimate mean(critic(real)) - mean(critic(fake)).

    critic: (B, ...) -> (B,) or (B, 1); generator: z (B, latent) -> (B, ...); opt_c steps the critic only.
    penalty: None or a function penalty(critic, real, fake) -> 0-dim tensor added to the loss.
    clip_value: None or c; then every critic parameter is clamped into [-c, c] after the step.
    Returns a Python float, measured before the step, without the penalty.
    """
    ### BEGIN SOLUTION
    opt_c.zero_grad()
    with torch.no_grad():
        fake = generator(z)  # (B, ...): no graph back into G
    real_scores, fake_scores = critic(real), critic(fake)
    loss = critic_loss(real_scores, fake_scores)
    estimate = -loss.item()  # mean(real) - mean(fake), before the step
    if penalty is not None:
        loss = loss + penalty(critic, real, fake)
    loss.backward()
    opt_c.step()
    if clip_value is not None:
        clip_weights(critic, clip_value)
    return estimate
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_critic_step", "locked": true, "points": 3, "schema_version": 3, "solution": false}
critic, G = nn.Linear(2, 1), nn.Linear(3, 2)  # a linear critic: its weight's gradient is mean(fake) - mean(real)
with torch.no_grad():
    critic.weight.copy_(torch.tensor([[1.0, -2.0]]))
    critic.bias.fill_(0.5)
real, z = torch.tensor([[1.0, 0.0], [3.0, 1.0]]), torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
opt_c = torch.optim.SGD(critic.parameters(), lr=0.1)
for p in [*critic.parameters(), *G.parameters()]:
    p.grad = torch.ones_like(p)  # stale gradients, as the generator's step leaves them
G_before = [p.detach().clone() for p in G.parameters()]
with torch.no_grad():
    fake = G(z)
    before = (critic(real).mean() - critic(fake).mean()).item()
w = critic_step(critic, G, opt_c, real, z)
assert isinstance(w, (float, np.floating)), "return the estimate as a Python float (.item())"
assert abs(w - before) < 1e-5, "return mean(critic(real)) - mean(critic(fake)) on this step's batches, before the step"
expected_weight = torch.tensor([[1.0, -2.0]]) - 0.1 * (fake.mean(0) - real.mean(0))
assert torch.allclose(critic.weight, expected_weight, atol=1e-5), \
    "take one opt_c step on critic_loss, after clearing the stale gradients (opt_c.zero_grad())"
assert all(torch.equal(p, q) for p, q in zip(G.parameters(), G_before)), "the generator's parameters must not change"
assert all(torch.equal(p.grad, torch.ones_like(p)) for p in G.parameters()), \
    "no gradient may reach the generator: make the fake batch under torch.no_grad()"
bias = critic.bias.item()
with torch.no_grad():
    before = (critic(real).mean() - critic(fake).mean()).item()
w = critic_step(critic, G, opt_c, real, z, penalty=lambda c, r, f: 3.0 * c.bias.sum())
assert abs(critic.bias.item() - (bias - 0.1 * 3.0)) < 1e-5, "add penalty(critic, real, fake) to the loss you step on"
assert abs(w - before) < 1e-5, "the returned estimate leaves the penalty out"
critic_step(critic, G, opt_c, real, z, clip_value=0.05)
assert all(p.abs().max() <= 0.05 + 1e-7 for p in critic.parameters()), \
    "with clip_value, every critic parameter ends inside [-c, c]: clip after the step"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("04_wgan_sngan", "critic_step", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 3. SNGAN: the hinge loss and spectral normalisation
#
# The **hinge loss** trains the discriminator as a large-margin classifier on logits; it stops pushing
# a sample once it is on the right side of the margin:
#
# $$\mathcal L_D = \overline{\operatorname{relu}(1 - D(x))} + \overline{\operatorname{relu}(1 + D(G(z)))},
#   \qquad \mathcal L_G = -\overline{D(G(z))}.$$

# %% nbgrader={"grade": false, "grade_id": "hinge_discriminator_loss", "locked": false, "schema_version": 3, "solution": true}
def hinge_discriminator_loss(real_logits, fake_logits):
    """mean(relu(1 - real)) + mean(relu(1 + fake)). Returns a 0-dim tensor."""
    ### BEGIN SOLUTION
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_hinge_discriminator_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false}
loss = hinge_discriminator_loss(torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0]))
assert isinstance(loss, torch.Tensor) and loss.dim() == 0, "return a 0-dim tensor"
assert abs(hinge_discriminator_loss(torch.zeros(10), torch.zeros(10)).item()
           - hinge_discriminator_loss(torch.zeros(3), torch.zeros(3)).item()) < 1e-6, "average over the batch, do not sum"
assert hinge_discriminator_loss(torch.full((4,), 5.0), torch.full((4,), -5.0)).item() == 0.0, \
    "real logits above +1 and fake logits below -1 are beyond the margin and cost nothing: that is the hinge " \
    "(relu(1 - real), relu(1 + fake))"
assert abs(hinge_discriminator_loss(torch.full((4,), -5.0), torch.full((4,), 5.0)).item() - 12.0) < 1e-5, \
    "confidently wrong logits cost linearly: relu(1 - (-5)) + relu(1 + 5) = 12 (the logits are used as they are, no sigmoid)"
assert abs(loss.item() - 0.75) < 1e-6, \
    "real (2, 0.5): relu(1 - x) = (0, 0.5), mean 0.25; fake (-2, 0): relu(1 + x) = (0, 1), mean 0.5; total 0.75"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("04_wgan_sngan", "hinge_discriminator_loss", globals())
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "hinge_generator_loss", "locked": false, "schema_version": 3, "solution": true}
def hinge_generator_loss(fake_logits):
    """The hinge GAN's generator loss: -mean(fake). Returns a 0-dim tensor."""
    ### BEGIN SOLUTION
    return -fake_logits.mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_hinge_generator_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false}
loss = hinge_generator_loss(torch.tensor([-1.0, 3.0]))
assert isinstance(loss, torch.Tensor) and loss.dim() == 0, "return a 0-dim tensor"
assert abs(hinge_generator_loss(torch.full((10,), 2.0)).item() - hinge_generator_loss(torch.full((3,), 2.0)).item()) < 1e-6, \
    "average over the batch, do not sum"
assert hinge_generator_loss(torch.full((4,), 3.0)).item() < hinge_generator_loss(torch.full((4,), 1.0)).item(), \
    "the generator wants high logits on its fakes, even past the margin: its loss must keep falling as they rise " \
    "(no relu here, and check the sign)"
assert abs(hinge_generator_loss(torch.full((4,), 50.0)).item() + 50.0) < 1e-4, \
    "the logits are used as they are (no sigmoid)"
assert abs(loss.item() + 1.0) < 1e-6, "-mean(fake) = -1 (no relu here: the generator keeps pushing)"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("04_wgan_sngan", "hinge_generator_loss", globals())
### END HIDDEN TESTS

# %% [markdown]
# **Spectral normalisation** divides each weight matrix $W$ by its largest singular value
# $\sigma(W)$, estimated by one step of power iteration per forward pass, so each layer is
# 1-Lipschitz (LeakyReLU is too) and so is their composition. PyTorch provides it per layer:
# `torch.nn.utils.parametrizations.spectral_norm(layer)` (or the older
# `torch.nn.utils.spectral_norm`). Apply it to every `nn.Linear`, `nn.Conv2d` and
# `nn.ConvTranspose2d` inside `module` (walk `module.modules()`; collect the layers into a list first)
# and return `module`.

# %% nbgrader={"grade": false, "grade_id": "add_spectral_norm", "locked": false, "schema_version": 3, "solution": true}
def add_spectral_norm(module):
    """Spectral normalisation on every Linear, Conv2d and ConvTranspose2d inside `module`; returns `module`."""
    ### BEGIN SOLUTION
    for layer in list(module.modules()):
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            torch.nn.utils.parametrizations.spectral_norm(layer)
    return module
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_add_spectral_norm", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def normalised(layer):
    """Does `layer` carry spectral norm (the parametrizations API or the older hook API)?"""
    return torch.nn.utils.parametrize.is_parametrized(layer, "weight") or hasattr(layer, "weight_orig")


torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(4 * 6 * 6, 1), nn.BatchNorm1d(1))
with torch.no_grad():
    net[3].weight.mul_(50.0)
assert add_spectral_norm(net) is net, "return the module you were given"
assert normalised(net[0]) and normalised(net[3]), "every Conv2d and Linear inside the module gets spectral norm"
assert not normalised(net[4]), "only Linear, Conv2d and ConvTranspose2d layers"
up = add_spectral_norm(nn.Sequential(nn.ConvTranspose2d(2, 3, 4)))
assert normalised(up[0]), "ConvTranspose2d layers too"
x = torch.randn(8, 1, 8, 8)
for _ in range(30):  # each training-mode forward pass runs one power iteration
    net(x)
sigma = torch.linalg.matrix_norm(net[3].weight.detach(), ord=2).item()
assert abs(sigma - 1.0) < 0.05, "after a few forward passes the normalised weight's largest singular value is 1"
print("visible tests passed")
### BEGIN HIDDEN TESTS
from gan_course.course.checks import check
check("04_wgan_sngan", "add_spectral_norm", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Three families on the ring
#
# The same MLP generator and discriminator/critic as assignment 02 (without dropout), the same data,
# four objectives — each with its paper's optimiser:
#
# | run | objective | Lipschitz constraint | $D$ steps per $G$ step | optimiser | trained by |
# |---|---|---|---|---|---|
# | GAN | BCE, non-saturating | none | 1 | Adam 2e-4, (0.5, 0.999) | the package's trainer |
# | WGAN | your Wasserstein losses | your `clip_weights`, $c = 0.01$ | 5 | RMSprop 5e-5 | **your `critic_step`**, loop below |
# | WGAN-GP | your Wasserstein losses | your `gradient_penalty`, $\lambda = 10$ | 5 | Adam 1e-4, (0, 0.9) | **your `critic_step`**, loop below |
# | SNGAN | your hinge losses | your `add_spectral_norm` | 1 | Adam 2e-4, (0.5, 0.999) | the package's trainer |
#
# Every run gets the same number of iterations (batches); the WGANs thus make 5 times fewer
# generator updates — at this laptop budget only a few hundred, so expect them to be still on their
# way (raise `RING_ITERATIONS` to see them arrive). Every `QUALITY_EVERY` iterations each run is
# scored with the energy distance of assignment 02 (1,000 generated points against 1,000 real ones;
# lower is better), so you can watch quality next to each run's own loss.

# %%
torch.set_num_threads(1)  # tiny MLPs: one thread is faster than several
ring = load_dataset("ring", n_points=budget.pick(full=10000, grader=1024))
RING_ITERATIONS = budget.pick(full=2000, grader=10)  # raise it to watch the WGANs converge
QUALITY_EVERY = budget.pick(full=100, grader=5)  # iterations; a multiple of N_CRITIC (5) for the WGANs
LOG_EVERY = budget.pick(full=10, grader=1)  # the trainer logs (and calls back) every LOG_EVERY steps
RUN_FILES = budget.pick(full={}, grader={"tensorboard": False, "plots": False})  # the grader throws its runs away
real_points = ring.sample(1000, generator=torch.Generator().manual_seed(1))[0]  # (1000, 2)


def ring_quality(G):
    """Energy distance of 1,000 points of G to the fixed real points (assignment 02's metric)."""
    return energy_distance(generate(G, noise(1000, G.latent_dim, seed=2)), real_points)


def ring_models(spectral=False):
    """The ring's MLP generator and a dropout-free MLP discriminator (with your spectral norm if asked)."""
    torch.manual_seed(0)
    G, D = MLPGenerator(100, (2,)), MLPDiscriminator((2,), dropout=0.0)
    return G, (add_spectral_norm(D) if spectral else D)


class QualityEvery:
    """A trainer callback: logs the discriminator's loss at each logged step, and quality(G) at the start, every
    `every` generator updates and at the end, with the iteration, the generator updates and the training seconds so
    far (the seconds quality() takes are not training). G is the trainer's sampler: its EMA copy when the recipe
    keeps one. With `seconds`, it stops the run once that much training time has passed."""

    def __init__(self, quality, every, seconds=None):
        self.quality, self.every, self.seconds = quality, every, seconds
        self.log, self.checks = {"step": [], "d_loss": []}, {"step": [], "updates": [], "time": [], "quality": []}
        self.measuring = 0.0  # seconds spent in quality() inside the training clock

    def measure(self, trainer, step, seconds):
        """Append one checkpoint; returns the seconds it took."""
        start = time.perf_counter()
        values = (step, step // trainer.config.n_critic, seconds, self.quality(trainer.sampler))
        for key, value in zip(self.checks, values):
            self.checks[key].append(value)
        return time.perf_counter() - start

    def on_fit_start(self, trainer):
        self.measure(trainer, 0, 0.0)

    def on_step_end(self, trainer, record):
        self.log["step"].append(record["step"])
        self.log["d_loss"].append(record["d_loss"])
        seconds = record["time"] - self.measuring  # the trainer's clock, without the measurements
        updates = record["step"] // trainer.config.n_critic
        if updates > self.checks["updates"][-1] and updates % self.every == 0:
            self.measuring += self.measure(trainer, record["step"], seconds)
        if self.seconds is not None and seconds >= self.seconds:
            trainer.request_stop()

    def on_fit_end(self, trainer):
        if trainer.step // trainer.config.n_critic > self.checks["updates"][-1]:
            self.measure(trainer, trainer.step, trainer.elapsed - self.measuring)

# %% [markdown]
# **The WGAN loop, with your `critic_step`.** Algorithm 1 of Arjovsky et al. (with `clip_value`)
# and of Gulrajani et al. (with your `gradient_penalty` as the penalty): every iteration is one
# critic step on a fresh real batch; every `N_CRITIC`-th iteration is followed by one generator step
# on your `wasserstein_generator_loss`. The generator's `backward()` goes *through* the critic and
# leaves gradients in it: the next `critic_step` must clear them.

# %%
N_CRITIC = 5  # critic steps per generator step (Arjovsky et al. 2017; Gulrajani et al. 2017, algorithm 1)


def train_wgan(G, critic, data, *, opt_g, opt_c, n_critic=N_CRITIC, iterations=None, seconds=None, penalty=None,
               clip_value=None, batch_size=256, ema=None, quality=None, quality_every=1, seed=0):
    """n_critic critic steps (yours) per generator step, for `iterations` iterations or `seconds` of training,
    whichever comes first. Returns the per-iteration log {"step", "w_estimate"} and quality(G) at the start, every
    `quality_every` generator updates and at the end, {"step", "updates", "time", "quality"}: the iteration, the
    generator updates and the training seconds so far (quality's own seconds are not training). With an `ema`
    (gan_course.train.EMA), it is updated after every generator step and quality measures its copy."""
    if iterations is None and seconds is None:
        raise ValueError("give train_wgan a budget: iterations=..., seconds=... or both")
    rng = torch.Generator().manual_seed(seed)
    sampler = G if ema is None else ema.module
    log, checks = {"step": [], "w_estimate": []}, {"step": [], "updates": [], "time": [], "quality": []}
    step = updates = 0
    trained = 0.0  # training seconds so far

    def check():
        if quality is not None:
            for key, value in zip(checks, (step, updates, trained, quality(sampler))):
                checks[key].append(value)

    check()
    while (iterations is None or step < iterations) and (seconds is None or trained < seconds):
        start = time.perf_counter()
        real = data.sample(batch_size, generator=rng)[0]  # (B, ...)
        z = torch.randn(batch_size, G.latent_dim, generator=rng)  # (B, latent_dim)
        w = critic_step(critic, G, opt_c, real, z, penalty=penalty, clip_value=clip_value)  # yours
        step += 1
        if step % n_critic == 0:
            opt_g.zero_grad()
            g_loss = wasserstein_generator_loss(critic(G(torch.randn(batch_size, G.latent_dim, generator=rng))))
            g_loss.backward()  # also fills the critic's .grad: critic_step clears it
            opt_g.step()
            updates += 1
            if ema is not None:
                ema.update(G)
        trained += time.perf_counter() - start
        log["step"].append(step)
        log["w_estimate"].append(w)
        if step % n_critic == 0 and updates % quality_every == 0:
            check()
    if quality is not None and checks["updates"][-1] < updates:
        check()
    return log, checks

# %%
your_hinge = replace(get_loss("hinge"), name="hinge (yours)",
                     d_loss=hinge_discriminator_loss, g_loss=hinge_generator_loss)
ring_logs, ring_quality_logs, ring_models_trained, ring_times = {}, {}, {}, {}
for name in ("GAN", "WGAN", "WGAN-GP", "SNGAN"):
    G, D = ring_models(spectral=name == "SNGAN")
    start = time.perf_counter()
    if name in ("GAN", "SNGAN"):  # the package's trainer
        tracker = QualityEvery(ring_quality, QUALITY_EVERY)
        config = TrainConfig(name=f"04-ring-{name.lower()}", model="mlp", dataset="ring", seed=0, batch_size=256,
                             strategy="gan" if name == "GAN" else "hinge", epochs=1000, max_steps=RING_ITERATIONS,
                             log_every=LOG_EVERY, sample_every=1000, **RUN_FILES)
        train(config, data=ring, generator=G, discriminator=D, overwrite=True, callbacks=[tracker],
              **({"loss": your_hinge} if name == "SNGAN" else {}))
        ring_logs[name], ring_quality_logs[name] = tracker.log, tracker.checks
    elif name == "WGAN":  # weight clipping, RMSprop (Arjovsky et al.)
        ring_logs[name], ring_quality_logs[name] = train_wgan(
            G, D, ring, opt_g=torch.optim.RMSprop(G.parameters(), lr=WGAN_LR),
            opt_c=torch.optim.RMSprop(D.parameters(), lr=WGAN_LR), iterations=RING_ITERATIONS,
            clip_value=CLIP_VALUE, quality=ring_quality, quality_every=QUALITY_EVERY // N_CRITIC)
    else:  # gradient penalty, Adam (Gulrajani et al.)
        ring_logs[name], ring_quality_logs[name] = train_wgan(
            G, D, ring, opt_g=torch.optim.Adam(G.parameters(), lr=WGAN_GP_LR, betas=WGAN_GP_BETAS),
            opt_c=torch.optim.Adam(D.parameters(), lr=WGAN_GP_LR, betas=WGAN_GP_BETAS), iterations=RING_ITERATIONS,
            penalty=gradient_penalty, quality=ring_quality, quality_every=QUALITY_EVERY // N_CRITIC)
    ring_times[name] = time.perf_counter() - start
    ring_models_trained[name] = (G, D)
    print(f"{name:8s} {RING_ITERATIONS:5d} iterations in {ring_times[name]:6.1f} s, "
          f"energy distance {ring_quality(G):.4f}")

# %% [markdown]
# What each run's own number says. The GAN's and the SNGAN's discriminator losses (BCE and hinge) are
# measured against a moving opponent; the critics' **Wasserstein estimate** $\hat W$ (what your
# `critic_step` returns, without the penalty) estimates the distance between the real and generated
# distributions — if the critic is close to optimal and 1-Lipschitz. As the samples improve, $\hat W$
# should *fall towards 0* (equivalently, the critic's loss $-\hat W$ rises towards 0). Compare each
# curve with the energy distance over training, the last figure of the three.

# %%
display(plot_loss_comparison({name: ring_logs[name] for name in ("GAN", "SNGAN")}, key="d_loss",
                             title="BCE and hinge discriminator losses"),
        plot_loss_comparison({name: ring_logs[name] for name in ("WGAN", "WGAN-GP")}, key="w_estimate",
                             title="the critics' Wasserstein estimate (your critic_step)"),
        plot_loss_comparison(ring_quality_logs, key="quality", title="energy distance to the ring over training"))

# %% [markdown]
# The generated points of each run, and each critic over the plane:

# %%
DRAWN = budget.pick(full=list(ring_models_trained), grader=["GAN", "WGAN-GP"])  # the grader: one of each kind
figures = []
for name in DRAWN:
    G, D = ring_models_trained[name]
    fake = generate(G, noise(1000, 100, seed=2))
    figures.append(plot_scatter(real_points, fake, title=name))
    figures.append(plot_critic_heatmap(D, real_points[:300], fake[:300], probabilities=name == "GAN",
                                       title=f"{name}: {'sigma(D(x))' if name == 'GAN' else 'critic score'}"))
display(*figures)

# %%
plot_comparison_bars({name: ring_quality(G) for name, (G, _) in ring_models_trained.items()}, ylabel="energy distance",
                     title="final energy distance to the ring (lower is better)")

# %% [markdown]
# ## 5. The four objectives on images
#
# Fashion-MNIST (Xiao et al. 2017), 28x28, where it is on the machine (tiny synthetic images otherwise; the next
# cell prints which it loaded). Each run follows its **shipped recipe**, read by name with
# `load_config` (`gan_course/configs/<recipe>.yaml`): architecture, width, optimiser, learning rates, betas,
# $n_\text{critic}$, batch size and EMA; the cell prints them. Your code does the parts each objective is about:
#
# | run | recipe | Lipschitz constraint | trained by |
# |---|---|---|---|
# | GAN | `dcgan-fashion` | none | the package's trainer |
# | WGAN | `wgan-clip-fashion` (Arjovsky et al., algorithm 1, unchanged) | your `clip_weights`, $c = 0.01$ | **your `critic_step`** loop, `train_wgan` |
# | WGAN-GP | `wgan-gp-fashion` (a layer-norm critic: a per-sample penalty must not mix the samples of a batch) | your `gradient_penalty` | **your `critic_step`** loop, `train_wgan` |
# | SNGAN | `sngan-fashion` | your `add_spectral_norm` on an unnormalised discriminator | the package's trainer, your hinge losses |
#
# Every run gets the **same training time**, `IMAGE_SECONDS` (measuring FID is not counted), so you can compare
# them two ways: at an **equal number of generator updates** (what one update of $G$ is worth under each
# objective) and at an **equal wall time** (what the same CPU time buys: a WGAN pays $n_\text{critic}$ critic
# steps for every generator update). FID (assignment 05 explains it; lower is better), in the feature space of the
# package's Fashion-MNIST classifier, is measured at the start, every `FID_EVERY` generator updates (the same grid
# for the four runs) and at the end.

# %%
IMAGE_RECIPES = {"GAN": "dcgan-fashion", "WGAN": "wgan-clip-fashion", "WGAN-GP": "wgan-gp-fashion",
                 "SNGAN": "sngan-fashion"}
try:
    images = load_dataset("fashion-mnist", max_items=budget.pick(full=30000, grader=256))
except DatasetNotFoundError as error:
    print(f"Fashion-MNIST is not available here ({str(error)[:120]}...): using synthetic images")
    images = synthetic_like("fashion-mnist", n=256)
print("training on", images)
IMAGE_SECONDS = budget.pick(full=75, grader=2)  # training seconds of every run
FID_EVERY = budget.pick(full=50, grader=2)  # generator updates between FID checkpoints, shared by the runs
N_FID = budget.pick(full=500, grader=64)  # generated (and real) images per FID
BATCH = budget.pick(full={}, grader={"batch_size": 16})  # the grader shrinks the batches; else the recipe's
recipes = {name: resolve(load_config(recipe, **BATCH)) for name, recipe in IMAGE_RECIPES.items()}
display(Markdown(markdown_table([{"run": name, "recipe": IMAGE_RECIPES[name], **{key: getattr(r, key) for key in (
    "model", "loss", "regularizer", "n_critic", "optimizer", "lr_d", "lr_g", "betas", "batch_size", "lr_schedule")},
    "width": r.width or DCGAN_WIDTH, "ema_decay": r.ema_decay or "none"} for name, r in recipes.items()], {
    "run": "", "recipe": "recipe", "model": "model", "width": "width", "loss": "loss", "regularizer": "constraint",
    "n_critic": "D steps per G step", "optimizer": "optimiser", "lr_d": "lr D", "lr_g": "lr G", "betas": "betas",
    "batch_size": "batch", "ema_decay": "EMA", "lr_schedule": "schedule"}, {"lr_d": "g", "lr_g": "g"})))
torch.set_num_threads(THREADS)
feature_net = load_feature_network("fashion-mnist")
fid_real = real_stats(images, n=min(N_FID, len(images)), feature=feature_net, seed=4, cache=False)  # computed once


def fid(G):
    """FID of N_FID images of G against the fixed real statistics, in the classifier's feature space."""
    return compute_fid(fid_real, generate(G, noise(N_FID, G.latent_dim, seed=5)), feature=feature_net).value


def image_models(name, recipe):
    """The recipe's generator and discriminator; SNGAN's without normalisation, then with your spectral norm."""
    torch.manual_seed(recipe.seed)
    G, D = build_models(recipe.model, data_shape=images.shape, latent_dim=recipe.latent_dim, width=recipe.width)
    if name == "SNGAN":
        assert recipe.model == "sngan", f"{IMAGE_RECIPES[name]} must use the DCGAN-family model sngan"
        D = add_spectral_norm(DCGANDiscriminator(images.shape[0], images.shape[-1], recipe.width or DCGAN_WIDTH,
                                                 norm="none"))
    return G, D


def train_image_run(name, recipe):
    """Train one run for IMAGE_SECONDS; returns its log, its FID checkpoints and the generator to sample from."""
    G, D = image_models(name, recipe)
    if recipe.loss == "wasserstein":  # your critic_step loop, with the recipe's optimisers and constraint
        assert recipe.lr_schedule == "none" and recipe.d_every == 1, \
            f"{IMAGE_RECIPES[name]}: train_wgan has no learning-rate schedule and no d_every (set none and 1)"
        ema = EMA(G, recipe.ema_decay, warmup=EMA_WARMUP) if recipe.ema_decay else None  # as the trainer keeps it
        cpu = torch.device("cpu")
        log, checks = train_wgan(
            G, D, images, opt_g=make_optimizer(recipe, G, recipe.lr_g, cpu),
            opt_c=make_optimizer(recipe, D, recipe.lr_d, cpu), n_critic=recipe.n_critic, seconds=IMAGE_SECONDS,
            penalty=(lambda c, r, f: gradient_penalty(c, r, f, weight=recipe.reg_weight))
            if recipe.regularizer == "gp" else None,
            clip_value=recipe.clip_value if recipe.regularizer == "clip" else None, batch_size=recipe.batch_size,
            ema=ema, quality=fid, quality_every=FID_EVERY, seed=recipe.seed)
        return log, checks, G if ema is None else ema.module
    tracker = QualityEvery(fid, FID_EVERY, seconds=IMAGE_SECONDS)  # stops the run after IMAGE_SECONDS
    config = replace(recipe, name=f"04-images-{name.lower()}", log_every=1, threads=THREADS, **RUN_FILES)
    trainer = Trainer(config, data=images, generator=G, discriminator=D, callbacks=[tracker],
                      **({"loss": your_hinge} if name == "SNGAN" else {}))
    trainer.fit(overwrite=True)
    return tracker.log, tracker.checks, trainer.sampler


image_logs, fid_logs, samples = {}, {}, {}
for name, recipe in recipes.items():
    image_logs[name], fid_logs[name], sampler = train_image_run(name, recipe)
    samples[name] = generate(sampler, noise(32, sampler.latent_dim, seed=3))
    f = fid_logs[name]
    print(f"{name:8s} {f['updates'][-1]:5d} generator updates ({f['step'][-1]} iterations) in {f['time'][-1]:5.1f} s "
          f"of training, FID {f['quality'][-1]:.1f}")

# %% [markdown]
# **Two comparisons.** At an equal number of generator updates: the largest count on the shared grid that every
# run reached, each run's own checkpoint there (nothing interpolated). At an equal wall time: the end of every run.

# %%
SHARED_UPDATES = min(f["updates"][-1] for f in fid_logs.values()) // FID_EVERY * FID_EVERY


def checkpoint(f, index):
    return {"updates": f["updates"][index], "iterations": f["step"][index], "seconds": f["time"][index],
            "FID": f["quality"][index]}


equal_updates = {name: checkpoint(f, f["updates"].index(SHARED_UPDATES)) for name, f in fid_logs.items()}
equal_time = {name: checkpoint(f, -1) for name, f in fid_logs.items()}
COLUMNS = {"run": "", "updates": "generator updates", "iterations": "iterations", "seconds": "training s",
           "s_per_update": "s per generator update", "FID": "FID", "vs_best": "FID / best FID"}
for title, table in ((f"equal generator updates ({SHARED_UPDATES})", equal_updates),
                     (f"equal wall time ({IMAGE_SECONDS} s of training)", equal_time)):
    best = min(row["FID"] for row in table.values())
    rows = [{"run": name, **row, "s_per_update": row["seconds"] / row["updates"] if row["updates"] else None,
             "vs_best": row["FID"] / best} for name, row in table.items()]
    print(title)
    display(Markdown(markdown_table(rows, COLUMNS, {"seconds": ".1f", "s_per_update": ".3f", "FID": ".1f",
                                                    "vs_best": ".2f"})))

# %%
fid_curves = {name: {"step": f["updates"], "time": f["time"], "FID": f["quality"]} for name, f in fid_logs.items()}
by_updates = plot_loss_comparison(fid_curves, key="FID", smooth=0, title="FID by generator updates (lower is better)")
by_updates.axes[0].set_xlabel("generator updates")
by_updates.axes[0].axvline(SHARED_UPDATES, color="0.5", linestyle=":", linewidth=1)
by_seconds = plot_loss_comparison(fid_curves, key="FID", x="time", smooth=0,
                                  title="FID by training seconds (lower is better)")
by_seconds.axes[0].set_xlabel("training seconds (measuring FID not counted)")
display(by_updates, by_seconds,
        *[image_grid(x, title=f"{name}: {equal_time[name]['updates']} generator updates") for name, x in samples.items()])

# %% [markdown]
# **A healthy run looks like this:** the course book's stored comparison of the objectives (longer runs
# of the shipped recipes), its samples and its FIDs (computed with 10,000 images: compare the order
# and the gaps with yours, not the values).

# %%
from gan_course.course.references import show_reference

show_reference("04", "samples", "fid")

# %% [markdown]
# Does each run's own number follow its FID? For every FID checkpoint after the start, the figure pairs FID with the
# mean of the run's number over the iterations since the previous checkpoint: the critics' Wasserstein estimate
# $\hat W$ (WGAN, WGAN-GP: what your `critic_step` returns, without the penalty), the GAN's BCE discriminator loss
# and SNGAN's hinge loss. The printed rank correlations (Spearman's rho: +1 when the number falls exactly when FID
# falls, about 0 when its order says nothing about the samples; Arjovsky et al. 2017, section 4.2 and figures 3-4)
# summarise each panel.

# %%
TRACKED = {"GAN": "d_loss", "WGAN": "w_estimate", "WGAN-GP": "w_estimate", "SNGAN": "d_loss"}


def checkpoint_means(log, key, f):
    """Tracking of log[key] (mean over each window between FID checkpoints) against FID, by generator updates."""
    steps, values = np.asarray(log["step"]), np.asarray(log[key], dtype=float)
    pairs = [(u, float(values[(steps > lo) & (steps <= hi)].mean()), q)
             for lo, hi, u, q in zip(f["step"], f["step"][1:], f["updates"][1:], f["quality"][1:]) if hi > lo]
    updates, means, fids = zip(*pairs) if pairs else ((), (), ())
    rho = rank_correlation(means, fids) if len(pairs) >= MIN_PAIRS else float("nan")
    return Tracking(key, rho, len(pairs), updates, means, fids)


trackings = {name: checkpoint_means(image_logs[name], key, fid_logs[name]) for name, key in TRACKED.items()}
for name, t in trackings.items():
    print(f"{name:8s} rank correlation of {t.column} with FID over {t.pairs} checkpoints: {t.rho:+.2f}"
          if t.pairs >= MIN_PAIRS else f"{name:8s} only {t.pairs} FID checkpoint(s) at this budget: no correlation")
if any(t.pairs >= 2 for t in trackings.values()):
    display(plot_tracking({name: t for name, t in trackings.items() if t.pairs >= 2}, x_label="generator updates",
                          title="FID (black, dashed) and each run's own number over training"))

# %% [markdown]
# ## 6. Written answers
#
# Answer from **your own** full-budget figures and numbers (set `GAN_COURSE_BUDGET=full` or leave it
# unset); quote them.
#
# **6.1 Four objectives.** Compare GAN, WGAN (clipping), WGAN-GP and SNGAN on **training dynamics**
# (the curves of section 4 and what they tell you, stability, cost per iteration and per generator update) and
# **sample quality** (ring scatter plots and energy distances; image grids and FIDs, both at an equal number of
# generator updates and at an equal wall time). Explain each difference you see with the method: what the
# Lipschitz constraint does, what clipping costs, and why the two comparisons can rank the runs differently.

# %% [markdown] nbgrader={"grade": true, "grade_id": "comparison_answer", "locked": false, "points": 5, "schema_version": 3, "solution": true}
# **Model answer (for graders).** Measured at the notebook's full budget (seed 0, 2,000 ring
# iterations): final energy distances SNGAN 0.05, GAN 0.21, WGAN-GP 4.1, clipped WGAN 8.5. SNGAN and
# the GAN cover the "S" (parts over- or under-filled); WGAN-GP is a line of points still turning towards
# the data; the clipped WGAN has barely moved. On images every run trained for the same `IMAGE_SECONDS` of
# its shipped recipe; the numbers depend on the machine (the same seconds buy more updates on a faster
# one), so grade the reading of the student's two tables: each run's generator updates, iterations and
# seconds per generator update, FID at the shared count of generator updates and at the end, and which
# runs show recognisable garments (the course book's chapter 04 has a stored comparison of the four recipes).
# Points to look for, tied to the student's figures:
#
# * *Curves.* The BCE and hinge losses say little about quality: after the first few hundred steps they
#   drift slowly upwards (BCE towards $2\log 2 \approx 1.39$, about 1.3 in the seed-0 run; hinge towards
#   2) while the energy distance keeps falling. The WGAN-GP estimate $\hat W$ jumps to about 20 in the
#   first 200 iterations (the critic learns to separate), then falls (to about 13 at iteration 2,000)
#   as the energy distance falls from about 9.7 to 4.1: it tracks progress and shows the run is
#   unfinished. The clipped critic's $\hat W$ stays near 0.
# * *Critic maps.* The GAN discriminator saturates into plateaus of $\sigma(D(x))$ with sharp boundaries;
#   the WGAN-GP critic is a curved surface (scores of about $\pm 50$) that slopes towards the data
#   everywhere; the clipped critic is an almost planar ramp with scores within $\pm 0.6$; the spectrally
#   normalised one is smooth.
# * *Equal updates vs equal time.* At an equal number of generator updates each WGAN generator has been
#   trained against a critic that took $n_\text{critic}$ steps per update (the recipe table: 5 for the clipped
#   WGAN), so per update it can keep up with or beat the one-step objectives; at an equal wall time it has made
#   several times fewer updates ($n_\text{critic}$ critic steps each, and WGAN-GP's penalty costs a second
#   backward pass), so it falls behind in the equal-time table. The clipped WGAN keeps the paper's recipe
#   (RMSprop $5\cdot10^{-5}$, $c = 0.01$) and is slow under both comparisons: its FID stays far above the
#   others' in both tables. A student should say which
#   comparison answers which question (sample efficiency per generator update vs quality per CPU-minute).
# * *Cost.* The gradient penalty adds a second backward pass per critic step; per generator update a
#   WGAN costs about $n_\text{critic}$ iterations; spectral norm is nearly free (compare the seconds per
#   generator update in the equal-wall-time table).
#
# **Rubric (5 points).** Dynamics explained with reasons, from their own curves (2); sample quality backed by
# their figures and numbers, at equal generator updates and at equal wall time (2); cost per iteration and per
# generator update (1).

# %% [markdown]
# **6.2 Does the number track quality?** Do the critics' Wasserstein estimates (WGAN, WGAN-GP) track sample
# quality over training — the energy distance on the ring (section 4) and FID on images (section 5)? Does the GAN's
# BCE discriminator loss, or SNGAN's hinge loss? Quote your rank correlations and describe the curves. Why should
# $\hat W$ track quality, and under which condition on the critic? Why can a BCE loss not do so, whatever the
# samples look like?

# %% [markdown] nbgrader={"grade": true, "grade_id": "wasserstein_fid_answer", "locked": false, "points": 4, "schema_version": 3, "solution": true}
# **Model answer (for graders).** On the ring (seed 0, full budget) the WGAN-GP estimate rises to about
# 20 in the first 200 iterations while the critic learns, then falls steadily (to about 13 at iteration
# 2,000) while the energy distance falls from about 9.7 to 4.1: after the critic's warm-up the two move
# together. On images (section 5) the student prints four rank correlations with FID (GAN d_loss, WGAN
# w_estimate, WGAN-GP w_estimate, SNGAN d_loss, each with its number of checkpoints); the course book's
# chapter 04 reports the same correlations for its stored runs. Expect the shape of Arjovsky et al., figures 3-4, and Gulrajani et al., figure 3: a positive correlation for a
# critic that stays near-optimal once its warm-up is past; a student whose first checkpoints fall in the warm-up,
# or whose clipped critic stays far from optimal, may print a weaker one and should say why. The GAN's BCE loss
# drifts towards $2\log 2 \approx 1.39$ (about 1.3 on the ring) and then sits while quality keeps improving; an
# early fall of the BCE loss while the discriminator learns can still give it a positive correlation over a short
# run, which says nothing about the samples. Grade the reading of the student's own figures and numbers, not a
# particular value.
#
# * *Why $\hat W$ tracks quality:* by the Kantorovich–Rubinstein duality
#   $W(P_r, P_g) = \sup_{\|f\|_L \le 1} \mathbb E_{P_r} f - \mathbb E_{P_g} f$, so a critic that is
#   (near-)optimal among 1-Lipschitz functions turns $\hat W$ into an estimate of a distance between
#   the distributions, which shrinks as $P_g$ approaches $P_r$. The condition: the critic is
#   (approximately) 1-Lipschitz and trained close to optimal ($n_\text{critic}$ steps, penalty); early
#   on, while the critic is far from optimal, $\hat W$ underestimates (the warm-up rise). The penalty
#   must be left out: it measures the constraint, not the distance. A clipped critic is $K$-Lipschitz for
#   some unknown $K$: its $\hat W$ is a scaled estimate at best.
# * *Why BCE does not:* the discriminator's loss is measured against the current generator only; a
#   retrained $D$ separates real from fake about equally well at every stage, and with the optimal $D$
#   the loss relates to the Jensen–Shannon divergence, which saturates at $\log 2$ for (nearly)
#   disjoint supports, so it does not say how far apart the distributions are.
#
# **Rubric (4 points).** Reads both relations from their own curves and correlations (2); explains
# $\hat W$ through the duality and states the Lipschitz / near-optimal-critic condition (1); explains
# why the BCE loss does not track quality (moving opponent, saturating JSD) (1).

# %% [markdown]
# **6.3 Clipping's capacity.** Look at your clipped WGAN critic's heatmap and its $\hat W$ curve in
# section 4, and its FID in section 5. Why does clipping every weight into $[-0.01, 0.01]$ limit what the
# critic can represent, and what does that do to the estimate and to the generator's gradient? How do the
# gradient penalty and spectral normalisation avoid it?

# %% [markdown] nbgrader={"grade": true, "grade_id": "clipping_answer", "locked": false, "points": 3, "schema_version": 3, "solution": true}
# **Model answer (for graders).** Clipping bounds every weight, so each layer's output is bounded by
# $c$ times the fan-in times the input size: the critic can only be a small function, and to make its
# gap large it pushes the weights to $\pm c$ (Gulrajani et al., figure 1b), which biases it towards
# very simple, nearly linear functions. The student's heatmap shows an almost planar ramp instead of a
# surface that follows the ring (in the seed-0 run, scores within $\pm 0.6$ against about $\pm 50$ for
# WGAN-GP), and $\hat W$ stays near 0, two orders of magnitude below WGAN-GP's (it measures a
# scaled-down, crude distance). The generator therefore receives weak gradients that point
# in one global direction (the ramp) rather than towards the nearest data, so the clipped WGAN barely
# moves at this budget (on images its FID stays far above WGAN-GP's even at an equal number of generator
# updates); too small a $c$ also makes gradients vanish through the layers, too large a
# $c$ makes them explode. The gradient penalty constrains the gradient norm only where it matters
# (between real and fake samples), leaving the weights free; spectral normalisation divides each
# layer by its largest singular value, which bounds the Lipschitz constant without shrinking every
# weight.
#
# **Rubric (3 points).** Capacity argument (bounded weights, pushed to $\pm c$, nearly linear critic)
# (1); tied to their heatmap and $\hat W$ curve (1); how the penalty or spectral norm avoids it (1).
