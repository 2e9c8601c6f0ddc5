"""f-CLSWGAN's classification regulariser (`clsreg`): Eq. 4's term, the frozen pre-trained classifier,
the `clswgan` preset, a tiny end-to-end run, and the benchmark's reference loop that mirrors it."""

from __future__ import annotations

import json
import math

import pytest
import torch

from zslkit.builtin.clsreg import ClassificationRegulariserPlugin
from zslkit.builtin.mlpgen import MLPGeneratorPlugin
from zslkit.builtin.wgancritic import ConditionalCriticPlugin
from zslkit.manager import register_plugins
from zslkit.plugin import hookimpl
from zslkit.settings import TrainerConfig
from zslkit.trainer.context import Batch, TrainContext

SLOT = "seen_classifier"


def hand_ctx() -> TrainContext:
    """Five classes, seen ids 1, 3, 4 (so the classifier's outputs are 0, 1, 2), D = 2."""
    return TrainContext(phase="final", task=None, device=torch.device("cpu"),
                        train_x=torch.rand(6, 2), train_y=torch.tensor([1, 1, 3, 3, 4, 4]),
                        semantics=torch.rand(5, 3), seen_classes=torch.tensor([1, 3, 4]),
                        unseen_classes=torch.tensor([0, 2]), noise_dim=2, configs={"trainer": TrainerConfig()})


def test_generator_term_is_weight_times_mean_cross_entropy_of_the_seen_index():
    ctx = hand_ctx()
    plugin = ClassificationRegulariserPlugin(ClassificationRegulariserPlugin.Config(weight=0.5))
    plugin.zslkit_build_modules(ctx=ctx, register=lambda slot, module, role, lr=None: ctx.modules.__setitem__(slot, module))
    net = ctx.modules[SLOT]
    assert (net.in_features, net.out_features) == (2, 3)
    w = [[1.0, -1.0], [0.5, 2.0], [-2.0, 0.0]]
    b = [0.1, 0.0, -0.3]
    with torch.no_grad():
        net.weight.copy_(torch.tensor(w))
        net.bias.copy_(torch.tensor(b))
    fake = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0], [0.5, 0.5]], requires_grad=True)
    y = torch.tensor([3, 1, 4, 3])  # seen positions 1, 0, 2, 1
    batch = Batch(x=torch.zeros(4, 2), y=y, c=ctx.semantics[y], z=torch.zeros(4, 2), fake=fake)
    term = plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="main")["clsreg/ce"]

    expected = 0.0
    for row, target in zip(fake.tolist(), [1, 0, 2, 1]):
        logits = [sum(wi * xi for wi, xi in zip(w[k], row)) + b[k] for k in range(3)]
        expected += -(logits[target] - math.log(sum(math.exp(v) for v in logits))) / 4
    assert term.item() == pytest.approx(0.5 * expected, rel=1e-6)
    term.backward()
    assert fake.grad is not None and bool(fake.grad.abs().sum() > 0)  # the term trains the generator
    assert plugin.zslkit_generator_loss(ctx=ctx, batch=batch, substep="post") is None


def toy_ctx(seen, n_classes=8, per_class=40, seed=0) -> TrainContext:
    """Linearly separable toy features: class k's features lie around 3 e_k (D = n_classes)."""
    g = torch.Generator().manual_seed(seed)
    seen = torch.tensor(seen)
    y = seen.repeat_interleave(per_class)
    x = (3.0 * torch.eye(n_classes)[y] + 0.5 * torch.randn(len(y), n_classes, generator=g)).clamp(min=0)
    unseen = torch.tensor([c for c in range(n_classes) if c not in seen.tolist()])
    return TrainContext(phase="final", task=None, device=torch.device("cpu"), train_x=x, train_y=y,
                        semantics=torch.rand(n_classes, 5, generator=g), seen_classes=seen, unseen_classes=unseen,
                        noise_dim=4, configs={"trainer": TrainerConfig(batch_size=16, n_critic=1, noise_dim=4)})


def toy_plugins(clsreg=None):
    return register_plugins([MLPGeneratorPlugin(MLPGeneratorPlugin.Config(hidden=16)),
                             ConditionalCriticPlugin(ConditionalCriticPlugin.Config(hidden=16)),
                             clsreg or ClassificationRegulariserPlugin()])


def test_pretrained_classifier_classifies_real_seen_features_and_stays_frozen():
    from zslkit.trainer import loop
    from zslkit.trainer.phase import prepare, seed_everything

    ctx, plugin_set = toy_ctx([1, 3, 4, 6]), toy_plugins()
    seed_everything(0)
    state = prepare(ctx, plugin_set, None)  # build, pre-train (shipped defaults), freeze, optimizers
    net = ctx.modules[SLOT]
    target = ctx.seen_index()[ctx.train_y]
    with torch.no_grad():
        accuracy = (net(ctx.train_x).argmax(dim=1) == target).float().mean().item()
    assert accuracy > 0.9
    assert plugin_set.by_name["clsreg"].fit["accuracy"] == pytest.approx(accuracy)
    assert ctx.registered[SLOT].role == "frozen" and not net.training
    assert not any(p.requires_grad for p in net.parameters())
    optimized = {id(p) for opt in state.optimizers.values() for group in opt.param_groups for p in group["params"]}
    assert optimized and not optimized & {id(p) for p in net.parameters()}
    assert {id(p) for p in ctx.generator.parameters()} <= optimized

    before = [p.detach().clone() for p in net.parameters()]
    ctx.step = 1
    terms = loop.train_iteration(ctx, plugin_set, state)
    assert "G:clsreg/ce" in terms and "G:wgancritic/adv" in terms and torch.isfinite(terms["G:clsreg/ce"])
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert all(p.grad is None for p in net.parameters())


class NoPretrain(ClassificationRegulariserPlugin):
    """clsreg whose pre-training must not run."""

    @hookimpl
    def zslkit_pretrain(self, ctx):
        raise AssertionError("a phase restored from a checkpoint pre-trained again")


def test_each_phase_gets_a_classifier_over_its_own_seen_classes_and_a_checkpoint_restores_it():
    from zslkit.trainer import modules as slots
    from zslkit.trainer.phase import prepare, seed_everything

    plugin = ClassificationRegulariserPlugin(ClassificationRegulariserPlugin.Config(epochs=5))
    for seen in ([1, 3, 4], [0, 1, 3, 4, 6]):  # validation, then final (more seen classes), one plugin instance
        ctx, plugin_set = toy_ctx(seen), toy_plugins(plugin)
        seed_everything(0)
        state = prepare(ctx, plugin_set, None)
        assert ctx.modules[SLOT].out_features == len(seen)
        assert plugin._index[torch.tensor(seen)].tolist() == list(range(len(seen)))

    checkpoint = {"modules": slots.module_states(ctx), "plugins": plugin_set.states(),
                  "optimizers": {role: opt.state_dict() for role, opt in state.optimizers.items()}}
    fresh = NoPretrain(ClassificationRegulariserPlugin.Config(epochs=5))  # a resume restores, never re-trains
    ctx2, plugin_set2 = toy_ctx([0, 1, 3, 4, 6]), toy_plugins(fresh)
    torch.manual_seed(123)
    prepare(ctx2, plugin_set2, checkpoint)
    for a, b in zip(ctx.modules[SLOT].parameters(), ctx2.modules[SLOT].parameters()):
        assert torch.equal(a, b) and not b.requires_grad
    assert fresh.fit == plugin.fit and fresh.fit["accuracy"] > 0


def test_clswgan_preset_includes_the_regulariser():
    from zslkit.discovery import installed_presets
    from zslkit.manager import installed_plugins, resolve_spec

    assert "clsreg" in installed_plugins()
    assert installed_presets()["clswgan"] == ["mlpgen", "wgancritic", "clsreg", "no:pivot"]
    resolved = resolve_spec("clswgan")
    assert resolved.names == ["clsreg", "mlpgen", "wgancritic"]
    assert resolved.slots[SLOT] == "clsreg"


def test_shipped_defaults_use_the_public_cls_weight():
    from zslkit.config import resolve_config
    from zslkit.manager import resolve_spec
    from zslkit.resolution import config_sections

    expected = {"cub": 0.01, "awa1": 0.01, "sun": 0.01, "flo": 0.1}
    for dataset in ("synthetic", "tep", "awa1", "awa2", "cub", "sun", "apy", "flo"):
        sections, inactive = config_sections(resolve_spec("clswgan"), dataset)
        config = resolve_config(sections, dataset, None, [], inactive)
        assert "clsreg.weight" in config.origins, dataset
        assert config["clsreg"].weight == expected.get(dataset, 0.01), dataset
        assert (config["clsreg"].epochs, config["clsreg"].lr, config["clsreg"].beta1,
                config["clsreg"].batch_size) == (50, 1e-3, 0.5, 100)


def test_tiny_clswgan_run_trains_with_the_regulariser(tmp_path):
    from tiny_settings import tiny_sets

    from zslkit.checkpoint import load_checkpoint
    from zslkit.cli import main

    sets = tiny_sets("clswgan")[1::2]  # minus the sections of the base plugins clswgan replaces or drops
    args = [arg for item in sets if item.split(".")[0] not in ("resgen", "acgan", "pivot") for arg in ("--set", item)]
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--plugins", "clswgan", "--out", str(out), "--quiet", "--select", "validation", *args,
              "--set", "clsreg.epochs=5"])
    assert exit_info.value.code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["plugins"] == ["clsreg", "mlpgen", "wgancritic"]
    assert "G:clsreg/ce" in metrics["final_terms"] and "G:wgancritic/adv" in metrics["final_terms"]
    assert math.isfinite(metrics["final_terms"]["G:clsreg/ce"])
    assert set(metrics["history"]) == {"validation", "final"}  # two phases, two seen sets, two classifiers
    checkpoint = load_checkpoint(out / "checkpoints" / "last.pt")
    assert SLOT in checkpoint["modules"] and checkpoint["plugins"]["clsreg"]["fit"]["accuracy"] > 0


def test_reference_loop_applies_the_same_regulariser_as_the_preset():
    from torch import nn

    from zslkit.bench import perf_child, perf_gan, perf_scales

    scale = perf_scales.QUICK["clswgan"]
    task = perf_gan.synthetic_task(scale)
    session = perf_gan.build_session(scale, torch.device("cpu"), task=task)
    reference = perf_child._reference_loop(scale, task, "cpu")
    ref = perf_child.reference_module()
    ctx = session.ctx
    ref.check_same_shapes(reference, ctx.generator, ctx.modules["critic"], ctx.modules[SLOT])
    with pytest.raises(ValueError, match="classifier"):
        ref.check_same_shapes(reference, ctx.generator, ctx.modules["critic"], nn.Linear(3, 2))
    assert reference.cls_weight == session.configs["clsreg"].weight
    assert not any(p.requires_grad for p in reference.pretrain_cls.parameters())
    before = [p.detach().clone() for p in reference.pretrain_cls.parameters()]
    reference.train_iteration()
    assert all(torch.equal(a, b) for a, b in zip(before, reference.pretrain_cls.parameters()))
    g_cost, c_err = reference.log[-1]  # the generator step logs its classification loss too
    assert math.isfinite(c_err) and c_err > 0
