"""The f-CLSWGAN-style built-ins (mlpgen, wgancritic), the shared gradient penalty, and hook validity.

clsreg, f-CLSWGAN's classification regulariser, has its own file: test_clsreg.py."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from zslkit.builtin.mlpgen import MLPGeneratorPlugin
from zslkit.builtin.wgancritic import ConditionalCriticPlugin, gradient_penalty, interpolate
from zslkit.manager import load_plugin_class, register_plugins
from zslkit.settings import TrainerConfig
from zslkit.trainer.context import Batch, TrainContext

COMPONENTS = ["mlpgen", "wgancritic", "clsreg", "srn", "resgen", "acgan", "pivot", "pre", "post"]


def make_ctx(feature_dim=3, attribute_dim=4, noise_dim=2) -> TrainContext:
    torch.manual_seed(0)
    return TrainContext(phase="final", task=None, device=torch.device("cpu"),
                        train_x=torch.rand(6, feature_dim), train_y=torch.tensor([0, 0, 1, 1, 2, 2]),
                        semantics=torch.rand(4, attribute_dim), seen_classes=torch.tensor([0, 1, 2]),
                        unseen_classes=torch.tensor([3]), noise_dim=noise_dim, configs={"trainer": TrainerConfig()})


def build(ctx: TrainContext, plugin) -> None:
    plugin.zslkit_build_modules(ctx=ctx, register=lambda slot, module, role, lr=None: ctx.modules.__setitem__(slot, module))


def test_mlpgen_is_fclswgans_two_layer_generator():
    ctx = make_ctx()
    ctx.cond_dims["srn/rectified"] = 4
    build(ctx, MLPGeneratorPlugin(MLPGeneratorPlugin.Config(hidden=64, negative_slope=0.2)))
    gen = ctx.modules["generator"]
    first, last = gen.net[0], gen.net[2]
    assert (first.in_features, first.out_features, last.out_features) == (4 + 4 + 2, 64, 3)
    assert 0.015 < first.weight.std().item() < 0.025 and torch.count_nonzero(first.bias) == 0  # N(0, 0.02) init
    c, z = torch.rand(5, 8), torch.randn(5, 2)
    out = gen(c, z)
    assert torch.allclose(out, F.relu(last(F.leaky_relu(first(torch.cat([c, z], 1)), 0.2))))
    assert out.shape == (5, 3) and bool((out >= 0).all())


def test_gradient_penalty_equals_per_sample_gradient_norms():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1))
    x_hat = interpolate(torch.rand(4, 3), torch.rand(4, 3))
    penalty = gradient_penalty(net(x_hat).squeeze(1), x_hat)
    brute = 0.0
    for i in range(4):
        v = x_hat[i].detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(net(v).sum(), v)
        brute += (math.sqrt(sum(g * g for g in grad.tolist())) - 1) ** 2 / 4
    assert penalty.item() == pytest.approx(brute, rel=1e-5)
    assert penalty.requires_grad  # create_graph: the penalty trains the critic


def test_interpolates_lie_between_real_and_fake():
    torch.manual_seed(0)
    x, fake = torch.zeros(50, 2), torch.ones(50, 2)
    x_hat = interpolate(x, fake)
    assert x_hat.requires_grad and x_hat.is_leaf
    assert bool((x_hat[:, 0] == x_hat[:, 1]).all()) and 0 < x_hat.min() and x_hat.max() < 1  # one weight per sample


def test_wgancritic_loss_matches_brute_force():
    ctx = make_ctx()
    plugin = ConditionalCriticPlugin(ConditionalCriticPlugin.Config(hidden=6, gp_lambda=10.0))
    build(ctx, plugin)
    critic = ctx.modules["critic"]
    y = torch.tensor([0, 2, 1])
    batch = Batch(x=torch.rand(3, 3), y=y, c=ctx.semantics[y], z=torch.randn(3, 2), fake=torch.rand(3, 3))
    torch.manual_seed(7)
    terms = plugin.zslkit_critic_loss(ctx=ctx, batch=batch)
    torch.manual_seed(7)
    alpha = torch.rand(3, 1)[:, 0]
    score = lambda v, c: critic(v.unsqueeze(0), c.unsqueeze(0))[0]  # noqa: E731
    real = sum(score(batch.x[i], batch.c[i]).item() for i in range(3)) / 3
    fake = sum(score(batch.fake[i], batch.c[i]).item() for i in range(3)) / 3
    gp = 0.0
    for i in range(3):
        v = (alpha[i] * batch.x[i] + (1 - alpha[i]) * batch.fake[i]).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(score(v, batch.c[i]), v)  # the condition is held fixed
        gp += (grad.norm().item() - 1) ** 2 / 3
    assert terms["wgancritic/fake"].item() == pytest.approx(fake, rel=1e-5)
    assert terms["wgancritic/real"].item() == pytest.approx(-real, rel=1e-5)
    assert terms["wgancritic/gp"].item() == pytest.approx(10.0 * gp, rel=1e-4)
    adv = plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="main")
    assert adv["wgancritic/adv"].item() == pytest.approx(-fake, rel=1e-5)
    assert plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="pre") is None


def test_wgancritic_is_conditioned_on_the_whole_conditioning():
    ctx = make_ctx()
    ctx.cond_dims["srn/rectified"] = 4
    build(ctx, ConditionalCriticPlugin(ConditionalCriticPlugin.Config(hidden=6)))
    assert ctx.modules["critic"].net[0].in_features == 3 + 8


@pytest.mark.parametrize("name", COMPONENTS)
def test_component_registers_with_valid_hooks_and_metadata(name):
    cls = load_plugin_class(name)
    assert cls.name == name and cls.summary()
    for field in cls.Config.__dataclass_fields__.values():
        assert field.metadata.get("help"), f"{name}.{field.name} has no help"
    register_plugins([cls()])  # rejects misspelt hooks and bad hook signatures


SHIPPED = ["synthetic", "tep", "awa1", "awa2", "cub", "sun", "apy", "flo"]


@pytest.mark.parametrize("dataset", SHIPPED)
def test_shipped_defaults_load_and_keep_algorithm_1(dataset):
    from zslkit.config import resolve_config
    from zslkit.settings import CORE_SECTIONS

    sections = {**CORE_SECTIONS, **{name: load_plugin_class(name).Config for name in COMPONENTS}}
    config = resolve_config(sections, dataset, None, inactive={dataset})
    trainer = config["trainer"]
    assert (trainer.n_critic, trainer.lr, trainer.beta1, trainer.beta2) == (5, 1e-4, 0.5, 0.9)
    assert trainer.generator_updates == "separate" and config["classifier"].kind == "knn"
    assert all(f"{name}.hidden" in config.origins for name in ("srn", "resgen", "acgan", "pre", "post"))
    if dataset not in ("synthetic", "tep"):  # paper scale
        assert (trainer.batch_size, trainer.noise_dim, config["resgen"].hidden) == (1024, 100, 4096)


@pytest.mark.parametrize("impl", ["fused", "foreach", "single"])
def test_every_adam_implementation_takes_the_same_steps(impl):
    from zslkit.trainer.modules import _adam

    def run(name):
        torch.manual_seed(0)
        net = torch.nn.Linear(5, 3)
        optimizer = _adam([{"params": list(net.parameters())}], TrainerConfig(adam=name, lr=1e-2))
        for _ in range(5):
            optimizer.zero_grad()
            net(torch.randn(8, 5)).pow(2).sum().backward()
            optimizer.step()
        return torch.cat([p.detach().flatten() for p in net.parameters()])

    assert torch.allclose(run(impl), run("single"), atol=1e-6)
