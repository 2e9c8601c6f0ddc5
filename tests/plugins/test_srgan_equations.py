"""Each SR-GAN equation against a value computed independently (by hand or by a brute-force loop).

Hooks are called directly on a hand-built TrainContext and Batch, as the
trainer would call them; no training loop is involved.
"""

from __future__ import annotations

import io
import math
import statistics
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from zslkit.settings import TrainerConfig
from zslkit.trainer.context import Batch, SubStep, TrainContext
from zslkit_plugins.acgan import AuxClassifierCriticPlugin
from zslkit_plugins.pivot import VisualPivotPlugin, pivot_loss
from zslkit_plugins.post import PostReconstructorPlugin
from zslkit_plugins.pre import PreReconstructorPlugin
from zslkit_plugins.resgen import ResidualGeneratorPlugin
from zslkit_plugins.srn import (SRNPlugin, class_means, cosine_matrix, rectification_score, semantic_loss,
                                structure_loss)

# 6 classes (global ids 0..5); seen = [4, 1, 3] in this (non-sorted) order, unseen = [0, 2, 5].
X = torch.tensor([[1., 0., 2.], [3., 0., 0.], [0., 1., 1.], [0., 3., 1.], [2., 2., 0.], [0., 0., 4.], [1., 1., 1.]])
Y = torch.tensor([4, 4, 1, 1, 3, 3, 1])
SEEN = torch.tensor([4, 1, 3])
SEMANTICS = torch.tensor([[.2, .9, .1, .3], [.7, .1, .6, .2], [.1, .1, .9, .4],
                          [.5, .5, .5, .5], [.9, .2, .1, .3], [.3, .8, .2, .4]])


def make_ctx(noise_dim=2, task=None, x=X, y=Y, seen=SEEN, semantics=SEMANTICS) -> TrainContext:
    unseen = torch.tensor([c for c in range(len(semantics)) if c not in set(seen.tolist())])
    return TrainContext(phase="final", task=task, device=torch.device("cpu"), train_x=x, train_y=y,
                        semantics=semantics, seen_classes=seen, unseen_classes=unseen, noise_dim=noise_dim,
                        configs={"trainer": TrainerConfig()})


def build(ctx: TrainContext, *plugins) -> None:
    """Call zslkit_build_modules like the trainer: condition dims first, then register into slots."""
    for plugin in plugins:
        if hasattr(plugin, "zslkit_condition_dims"):
            ctx.cond_dims.update(plugin.zslkit_condition_dims(ctx=ctx))
    for plugin in plugins:
        plugin.zslkit_build_modules(ctx=ctx, register=lambda slot, module, role, lr=None: ctx.modules.__setitem__(slot, module))


def hand_cos(u, v) -> float:
    dot = sum(a * b for a, b in zip(u, v))
    return dot / math.sqrt(sum(a * a for a in u) * sum(b * b for b in v))


# ------------------------------------------------------------------ Eq. 1: visual pivots


def test_eq1_pivots_are_class_means_in_the_requested_order():
    pivots = class_means(X, Y, SEEN)
    by_hand = [[2.0, 0.0, 1.0], [1 / 3, 5 / 3, 1.0], [1.0, 1.0, 2.0]]  # classes 4, 1, 3
    assert torch.allclose(pivots, torch.tensor(by_hand))


def test_eq1_ignores_other_classes_and_rejects_a_class_without_samples():
    assert torch.allclose(class_means(X, Y, torch.tensor([3])), torch.tensor([[1.0, 1.0, 2.0]]))
    with pytest.raises(ValueError, match=r"\[5\]"):
        class_means(X, Y, torch.tensor([1, 5]))


# ------------------------------------------------------------------ Eq. 2: SRN loss


def test_eq2_structure_and_semantic_losses_match_brute_force():
    torch.manual_seed(0)
    pivots, s, r = torch.rand(4, 5), torch.rand(4, 3), torch.rand(4, 3)
    k = len(pivots)
    brute = sum((hand_cos(pivots[i].tolist(), pivots[j].tolist()) - hand_cos(r[i].tolist(), r[j].tolist())) ** 2
                for i in range(k) for j in range(k)) / k ** 2
    assert structure_loss(cosine_matrix(pivots), r).item() == pytest.approx(brute, rel=1e-5)
    semantic = sum(sum((a - b) ** 2 for a, b in zip(s[i].tolist(), r[i].tolist())) for i in range(k)) / k
    assert semantic_loss(s, r).item() == pytest.approx(semantic, rel=1e-5)


def test_srn_pretraining_reduces_eq2_and_outputs_lie_in_0_1():
    torch.manual_seed(0)
    ctx, reports = make_ctx(), []
    ctx.reporter = lambda phase, step, total, terms: reports.append((phase, step, total, terms))
    srn = SRNPlugin(SRNPlugin.Config(hidden=16, iterations=200, lr=1e-2))
    build(ctx, srn)
    net, s = ctx.modules["rectifier"], SEMANTICS[SEEN]
    target = cosine_matrix(class_means(X, Y, SEEN))
    with torch.no_grad():
        before = structure_loss(target, net(s)) + semantic_loss(s, net(s))
    srn.zslkit_pretrain(ctx=ctx)
    after = srn.losses["structure"] + srn.losses["semantic"]
    assert after < 0.5 * before.item()
    assert torch.allclose(srn.pivots, class_means(X, Y, SEEN)) and torch.equal(srn.seen, SEEN)
    assert [r[1] for r in reports] == [50, 100, 150, 200] and reports[-1][0] == "srn pretrain"
    rectified = srn.zslkit_condition(ctx=ctx, semantics=SEMANTICS)["srn/rectified"]
    assert rectified.shape == SEMANTICS.shape and not rectified.requires_grad
    assert bool(((rectified > 0) & (rectified < 1)).all())


def test_srn_declares_its_conditioning_input():
    ctx = make_ctx()
    assert SRNPlugin().zslkit_condition_dims(ctx=ctx) == {"srn/rectified": 4}


# ------------------------------------------------------------------ rectification score


def test_rectification_score_is_the_pearson_of_upper_triangles_on_three_classes():
    pivots = [[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    sem = [[1.0, 0.2], [0.5, 1.0], [0.3, 1.0]]
    pairs = [(0, 1), (0, 2), (1, 2)]
    expected = statistics.correlation([hand_cos(pivots[i], pivots[j]) for i, j in pairs],
                                      [hand_cos(sem[i], sem[j]) for i, j in pairs])
    assert rectification_score(torch.tensor(pivots), torch.tensor(sem)) == pytest.approx(expected, rel=1e-6)


def test_srn_extra_metrics_score_seen_pivots_and_label_unseen_diagnostics():
    torch.manual_seed(0)
    unseen_x = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=np.float32)
    task = SimpleNamespace(test_unseen_x=unseen_x, test_unseen_y=np.array([0, 2, 5, 0]))
    ctx = make_ctx(task=task)
    srn = SRNPlugin(SRNPlugin.Config(hidden=8, iterations=3))
    build(ctx, srn)
    srn.zslkit_pretrain(ctx=ctx)
    metrics = srn.zslkit_extra_metrics(ctx=ctx, result={"H": 1.0})
    net = ctx.modules["rectifier"]
    unseen_pivots = torch.tensor([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # classes 0, 2, 5
    with torch.no_grad():
        assert metrics["srn/rect_seen_s"] == pytest.approx(rectification_score(srn.pivots, SEMANTICS[SEEN]))
        assert metrics["srn/rect_seen_rs"] == pytest.approx(rectification_score(srn.pivots, net(SEMANTICS[SEEN])))
        unseen = torch.tensor([0, 2, 5])
        assert metrics["srn/diag_unseen_s"] == pytest.approx(rectification_score(unseen_pivots, SEMANTICS[unseen]))
        assert metrics["srn/diag_unseen_rs"] == pytest.approx(rectification_score(unseen_pivots, net(SEMANTICS[unseen])))
    assert all(isinstance(v, float) for v in metrics.values())
    ctx.task = SimpleNamespace(test_unseen_x=unseen_x[::-1].copy(), test_unseen_y=np.array([0, 2, 5, 0]))
    other = srn.zslkit_extra_metrics(ctx=ctx, result={})  # a new task: its pivots, not the cached ones
    assert other["srn/diag_unseen_s"] != pytest.approx(metrics["srn/diag_unseen_s"])


# ------------------------------------------------------------------ Eq. 4: visual-pivot loss


def test_eq4_pivot_loss_matches_a_loop_over_the_classes_present():
    torch.manual_seed(0)
    ctx = make_ctx(x=torch.rand(12, 5), y=torch.tensor([4, 1, 3] * 4), seen=SEEN)
    plugin = VisualPivotPlugin(VisualPivotPlugin.Config(weight=2.5))
    plugin.zslkit_fit_start(ctx=ctx)
    y = torch.tensor([1, 4, 1, 1, 4])  # class 3 is absent from this batch
    fake = torch.rand(5, 5)
    batch = Batch(x=torch.rand(5, 5), y=y, c=SEMANTICS[y], z=torch.zeros(5, 2), fake=fake)
    got = plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="main")["pivot/l2"]
    dists = []
    for cls in (1, 4):
        real = [ctx.train_x[i].tolist() for i in range(12) if ctx.train_y[i] == cls]
        pivot = [sum(col) / len(real) for col in zip(*real)]
        mine = [fake[i].tolist() for i in range(5) if y[i] == cls]
        mean = [sum(col) / len(mine) for col in zip(*mine)]
        dists.append(math.sqrt(sum((a - b) ** 2 for a, b in zip(pivot, mean))))
    assert got.item() == pytest.approx(2.5 * sum(dists) / 2, rel=1e-5)
    assert plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="pre") is None


def test_eq4_gradient_is_finite_when_a_class_mean_hits_its_pivot():
    pivots = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    fake = torch.tensor([[0.0, 2.0], [2.0, 2.0], [3.0, 4.0]], requires_grad=True)
    loss = pivot_loss(fake, torch.tensor([0, 0, 1]), pivots)
    assert loss.item() == pytest.approx((0.0 + 5.0) / 2)
    loss.backward()
    assert bool(torch.isfinite(fake.grad).all())


# ------------------------------------------------------------------ Eq. 5 and Eq. 3: the auxiliary-classifier critic


def acgan_setup(seed=0):
    torch.manual_seed(seed)
    ctx = make_ctx()
    plugin = AuxClassifierCriticPlugin(AuxClassifierCriticPlugin.Config(hidden=7, gp_lambda=10.0, cls_weight=1.0))
    build(ctx, plugin)
    y = torch.tensor([3, 4, 1, 1])
    batch = Batch(x=torch.rand(4, 3), y=y, c=SEMANTICS[y], z=torch.randn(4, 2), fake=torch.rand(4, 3))
    return ctx, plugin, batch


def brute_critic(ctx, batch, alpha):
    """Eq. 5 term by term, one sample at a time."""
    critic, heads = ctx.modules["critic"], {4: 0, 1: 1, 3: 2}
    score = lambda v: critic(v.unsqueeze(0))[0][0]  # noqa: E731
    logp = lambda v, c: F.log_softmax(critic(v.unsqueeze(0))[1][0], dim=0)[heads[c]]  # noqa: E731
    n = batch.size
    real = sum(score(batch.x[i]) for i in range(n)) / n
    fake = sum(score(batch.fake[i]) for i in range(n)) / n
    cls_real = -sum(logp(batch.x[i], int(batch.y[i])) for i in range(n)) / n
    cls_fake = -sum(logp(batch.fake[i], int(batch.y[i])) for i in range(n)) / n
    penalty = 0.0
    for i in range(n):
        v = (alpha[i] * batch.x[i] + (1 - alpha[i]) * batch.fake[i]).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(score(v), v)
        penalty += (math.sqrt(sum(g * g for g in grad.tolist())) - 1) ** 2 / n
    return fake.item(), real.item(), penalty, 0.5 * (cls_fake.item() + cls_real.item())


def test_eq5_critic_terms_match_brute_force_with_a_per_sample_gradient_penalty():
    ctx, plugin, batch = acgan_setup()
    torch.manual_seed(123)
    terms = plugin.zslkit_critic_loss(ctx=ctx, batch=batch)
    torch.manual_seed(123)
    alpha = torch.rand(batch.size, 1)[:, 0]  # the interpolation weights the hook drew
    fake, real, gp, cls = brute_critic(ctx, batch, alpha)
    assert set(terms) == {"acgan/fake", "acgan/real", "acgan/gp", "acgan/cls"}
    assert terms["acgan/fake"].item() == pytest.approx(fake, rel=1e-5)
    assert terms["acgan/real"].item() == pytest.approx(-real, rel=1e-5)
    assert terms["acgan/gp"].item() == pytest.approx(10.0 * gp, rel=1e-4)
    assert terms["acgan/cls"].item() == pytest.approx(cls, rel=1e-5)
    total = sum(terms.values())
    total.backward()  # the penalty trains the critic: its graph is kept
    assert all(p.grad is not None for p in ctx.modules["critic"].parameters())


def test_eq3_acgan_generator_terms_in_main_substep_only():
    ctx, plugin, batch = acgan_setup(seed=1)
    terms = plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="main")
    critic, heads = ctx.modules["critic"], {4: 0, 1: 1, 3: 2}
    adv = -sum(critic(batch.fake[i:i + 1])[0][0].item() for i in range(4)) / 4
    cls = -sum(F.log_softmax(critic(batch.fake[i:i + 1])[1][0], 0)[heads[int(batch.y[i])]].item() for i in range(4)) / 4
    assert terms["acgan/adv"].item() == pytest.approx(adv, rel=1e-5)
    assert terms["acgan/cls"].item() == pytest.approx(cls, rel=1e-5)
    assert plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="post") is None


# ------------------------------------------------------------------ Eq. 6 and Eq. 7: reconstructors


class ShiftGenerator(torch.nn.Module):
    """G(c, z) = z + sum(c): simple enough to compute Eq. 6 and 7 by hand."""

    def forward(self, c, z):
        return z + c.sum(dim=1, keepdim=True)


def set_linear(layer, weight, bias=None):
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        layer.bias.copy_(torch.tensor(bias if bias is not None else [0.0] * len(weight)))


def test_eq6_pre_reconstruction_by_hand():
    ctx = make_ctx(noise_dim=2, x=X[:, :2])  # D = noise_dim = 2
    plugin = PreReconstructorPlugin(PreReconstructorPlugin.Config(hidden=2, negative_slope=0.2, weight=3.0))
    build(ctx, plugin)
    ctx.modules["generator"] = ShiftGenerator()
    encoder = ctx.modules["pre"]
    set_linear(encoder[0], [[1.0, 0.0], [0.0, 1.0]])
    set_linear(encoder[2], [[1.0, 0.0], [0.0, 1.0]])
    # E([1, -2]) = [1, -0.4] (LeakyReLU 0.2); G = E + 0.5 = [1.5, 0.1]; |G - v| = [0.5, 2.1]
    # E([0, 3]) = [0, 3]; G = [0.5, 3.5]; |G - v| = [0.5, 0.5]. Mean = 3.6 / 4 = 0.9.
    batch = Batch(x=torch.tensor([[1.0, -2.0], [0.0, 3.0]]), y=torch.tensor([4, 1]),
                  c=torch.tensor([[0.5], [0.5]]), z=torch.zeros(2, 2), fake=torch.zeros(2, 2))
    terms = plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="pre")
    assert terms["pre/l1"].item() == pytest.approx(3.0 * 0.9)
    assert plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="main") is None
    assert plugin.zslkit_generator_substeps(ctx=ctx) == [SubStep("pre", trains=("generator", "pre"), order=1)]


def test_eq7_post_reconstruction_by_hand_targets_c_and_z():
    ctx = make_ctx(noise_dim=1, x=X[:, :2], semantics=SEMANTICS[:, :1])  # D = 2; F outputs [c, z] (2 values)
    plugin = PostReconstructorPlugin(PostReconstructorPlugin.Config(hidden=2, weight=1.0))
    build(ctx, plugin)
    decoder = ctx.modules["post"]
    set_linear(decoder[0], [[1.0, 0.0], [0.0, 1.0]])
    set_linear(decoder[2], [[1.0, 0.0], [1.0, 1.0]], [0.0, -1.0])
    # F([2, 1]) = [2, 2]; target [c, z] = [0.5, 1.0]; |diff| = [1.5, 1.0]
    # F([1, 3]) = [1, 3]; target = [1.0, -1.0];       |diff| = [0.0, 4.0]. Mean = 6.5 / 4.
    batch = Batch(x=torch.zeros(2, 2), y=torch.tensor([4, 1]), c=torch.tensor([[0.5], [1.0]]),
                  z=torch.tensor([[1.0], [-1.0]]), fake=torch.tensor([[2.0, 1.0], [1.0, 3.0]]))
    terms = plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="post")
    assert terms["post/l1"].item() == pytest.approx(6.5 / 4)
    assert plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="pre") is None
    assert plugin.zslkit_generator_substeps(ctx=ctx) == [SubStep("post", trains=("generator", "post"), order=2)]


def test_reconstructors_size_their_networks_from_the_context():
    ctx = make_ctx(noise_dim=5)
    srn, pre, post = SRNPlugin(SRNPlugin.Config(hidden=4)), PreReconstructorPlugin(), PostReconstructorPlugin()
    pre.config.hidden = post.config.hidden = 6
    build(ctx, srn, pre, post)
    assert ctx.modules["pre"](torch.rand(2, 3)).shape == (2, 5)  # D -> noise
    assert ctx.modules["post"](torch.rand(2, 3)).shape == (2, 4 + 4 + 5)  # D -> [s, R(s), z]


# ------------------------------------------------------------------ generator and bookkeeping


def test_resgen_shape_range_and_residual_structure():
    torch.manual_seed(0)
    ctx = make_ctx(noise_dim=3)
    ctx.cond_dims["srn/rectified"] = 4  # with the SRN: G(s, R(s), z)
    build(ctx, ResidualGeneratorPlugin(ResidualGeneratorPlugin.Config(hidden=8, negative_slope=0.2)))
    gen = ctx.modules["generator"]
    c, z = torch.rand(5, 8) * 20, torch.randn(5, 3) * 20
    out = gen(c, z)
    assert out.shape == (5, 3) and bool((out.abs() <= 1).all())  # large inputs may saturate to +-1.0 in float32
    act = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731
    c, z = torch.rand(5, 8), torch.randn(5, 3)
    h1 = act(gen.l1(torch.cat([c, z], 1)))
    expected = torch.tanh(gen.l4(act(gen.l3(act(gen.l2(h1))) + h1)))
    assert torch.allclose(gen(c, z), expected)
    assert bool((gen(c, z).abs() < 1).all())


def test_resgen_without_srn_runs_on_s_and_z():
    ctx = make_ctx(noise_dim=2)
    build(ctx, ResidualGeneratorPlugin(ResidualGeneratorPlugin.Config(hidden=8)))
    assert ctx.modules["generator"].l1.in_features == 4 + 2


def roundtrip(plugin):
    """A fresh plugin of the same class restored from torch.save / torch.load(weights_only=True)."""
    buffer = io.BytesIO()
    torch.save(plugin.state_dict(), buffer)
    buffer.seek(0)
    restored = type(plugin)()
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    return restored


def test_state_dicts_round_trip_through_weights_only_load():
    ctx = make_ctx()
    srn, pivot = SRNPlugin(SRNPlugin.Config(hidden=4, iterations=2)), VisualPivotPlugin()
    build(ctx, srn)
    srn.zslkit_pretrain(ctx=ctx)
    pivot.zslkit_fit_start(ctx=ctx)
    for plugin in (srn, pivot):
        restored = roundtrip(plugin)
        assert torch.equal(restored.pivots, plugin.pivots) and torch.equal(restored.seen, plugin.seen)
    assert roundtrip(srn).losses == srn.losses and set(srn.losses) == {"structure", "semantic"}
    assert SRNPlugin().state_dict() == {} and roundtrip(SRNPlugin()).pivots is None


def test_pivot_plugin_resumes_from_state_without_fit_start():
    ctx = make_ctx()
    first = VisualPivotPlugin()
    first.zslkit_fit_start(ctx=ctx)
    resumed = VisualPivotPlugin()
    resumed.load_state_dict(first.state_dict())
    y = torch.tensor([1, 3, 4])
    batch = Batch(x=torch.rand(3, 3), y=y, c=SEMANTICS[y], z=torch.zeros(3, 2), fake=torch.rand(3, 3))
    a = first.zslkit_generator_loss(ctx=ctx, batch=batch, substep="main")["pivot/l2"]
    b = resumed.zslkit_generator_loss(ctx=ctx, batch=batch, substep="main")["pivot/l2"]
    assert torch.equal(a, b)
