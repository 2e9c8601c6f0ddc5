"""Smoke tests of the perf benchmark: the FLOP counter against hand counts and against what
torch executes, and every measuring piece at toy sizes. No timing is asserted."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from zslkit.bench import perf_flops as flops


class WhereLeakyReLU(nn.Module):
    """LeakyReLU whose backward needs no saved input (so the double backward sends nothing into the forward)."""

    def forward(self, x):
        return torch.where(x > 0, x, 0.2 * x)


def test_flop_counter_matches_a_hand_count_for_a_tiny_mlp():
    layers = [(3, 5), (5, 2)]
    assert flops.forward(layers, rows=4) == 2 * 4 * (3 * 5 + 5 * 2)  # 200
    # weights of both layers, input gradient only into the first layer's output
    assert flops.backward(layers, rows=4) == 2 * 4 * (15 + 10) + 2 * 4 * 10  # 280
    assert flops.backward(layers, rows=4, input_grad=True) == 2 * (2 * 4 * (15 + 10))
    assert flops.backward(layers, rows=4, weights=False, input_grad=True) == 2 * 4 * (15 + 10)
    # R3: first-order input gradient + (weight grad + grad-of-grad below the top layer)
    assert flops.gradient_penalty([(6, 4), (4, 1)], rows=3) == 2 * 3 * (24 + 4) + 2 * 3 * 24 * 2 + 2 * 3 * 4


def test_flop_counter_equals_what_torch_runs_for_a_plain_training_step():
    net = nn.Sequential(nn.Linear(7, 9), nn.ReLU(), nn.Linear(9, 3))
    x = torch.randn(5, 7)
    executed = flops.executed_matmul_flops(lambda: net(x).square().sum().backward())
    layers = flops.linear_shapes(net)
    assert layers == [(7, 9), (9, 3)]
    assert executed == flops.forward(layers, 5) + flops.backward(layers, 5)


def test_gradient_penalty_rule_equals_what_torch_runs_without_waste():
    from zslkit.builtin.wgancritic import gradient_penalty

    critic = nn.Sequential(nn.Linear(6, 8), WhereLeakyReLU(), nn.Linear(8, 1))
    x_hat = torch.rand(4, 6, requires_grad=True)

    def step():
        gp = gradient_penalty(critic(x_hat).squeeze(1), x_hat)
        torch.autograd.backward(gp, inputs=list(critic.parameters()))

    layers = flops.linear_shapes(critic)
    assert flops.executed_matmul_flops(step) == flops.forward(layers, 4) + flops.gradient_penalty(layers, 4)
    assert flops.CriticShape.of(critic).score_path == layers


def test_iteration_count_has_every_part_and_a_critic_split_at_the_score():
    critic = nn.ModuleDict({"trunk": nn.Linear(10, 6), "score": nn.Linear(6, 1), "classes": nn.Linear(6, 4)})
    shape = flops.CriticShape.of(critic)
    assert shape.score_path == [(10, 6), (6, 1)] and shape.heads == [(6, 4)]
    parts = flops.iteration([(5, 6), (6, 10)], shape, b=8, n_critic=3, pre=[(10, 6), (6, 2)], post=[(10, 6), (6, 3)])
    assert set(parts) == {"fake generation", "critic steps", "generator main", "generator pre", "generator post"}
    assert parts["fake generation"] == flops.forward([(5, 6), (6, 10)], 24)
    assert parts["critic steps"] == 3 * flops.critic_step(shape, 8)


def test_tune_allocator_honours_the_opt_out_and_is_idempotent(monkeypatch):
    from zslkit import perf_tuning

    monkeypatch.setattr(perf_tuning, "_applied", None)
    monkeypatch.setenv(perf_tuning.OPT_OUT_ENV, "1")
    first = perf_tuning.tune_allocator()
    assert first["applied"] is False and perf_tuning.OPT_OUT_ENV in first["reason"]
    monkeypatch.delenv(perf_tuning.OPT_OUT_ENV)
    assert perf_tuning.tune_allocator() == first  # the first call's decision stands


@pytest.fixture(scope="module")
def quick_scales():
    from zslkit.bench import perf_scales

    return perf_scales.QUICK


def test_peak_and_a_zslkit_iteration_at_toy_sizes(quick_scales):
    from zslkit.bench import perf_gan
    from zslkit.bench.perf_peak import measure_peak

    peak = measure_peak(torch.device("cpu"), sizes=(64,), repeats=1)
    assert peak["fp32"]["supported"] and peak["fp32"]["peak"] > 0
    session = perf_gan.build_session(quick_scales["paper_cub"], torch.device("cpu"))
    result = perf_gan.measure(session, repeats=1, peak_fp32=peak["fp32"]["peak"])
    assert result["model_flops"] == sum(perf_gan.model_flops(session).values()) > 0
    assert set(result["model_flops_by_part"]) == {"fake generation", "critic steps", "generator main",
                                                  "generator pre", "generator post"}
    assert result["executed_matmul_flops"] >= result["model_flops"] * 0.99
    assert session.ctx.step == 2


def test_reference_loop_has_zslkit_shapes_and_the_loop_child_runs(quick_scales):
    from dataclasses import asdict

    from zslkit.bench import perf_child, perf_gan

    scale = quick_scales["clswgan"]
    task = perf_gan.synthetic_task(scale)
    session = perf_gan.build_session(scale, torch.device("cpu"), task=task)
    reference = perf_child._reference_loop(scale, task, "cpu")
    perf_child.reference_module().check_same_shapes(reference, session.ctx.generator, session.ctx.modules["critic"])
    reference.train_iteration()
    assert len(reference.log) == scale_n_critic(session) + 1
    result = perf_child.run_spec({"kind": "loop", "loop": "reference", "tune": False, "scale": asdict(scale),
                                  "warmup": 0, "repeats": 1, "device": "cpu"})
    assert result["allocator"]["applied"] is False and result["faults_per_iter"] >= 0


def scale_n_critic(session) -> int:
    return session.ctx.trainer.n_critic


def test_e2e_run_is_split_by_phase(tmp_path):
    from zslkit.bench.perf_e2e import PHASES, mode_sets, run_argv, timed_run
    from zslkit.bench.perf_sections import PerfOptions

    run_dir = str(tmp_path / "run")
    result = timed_run(run_argv("cpu", run_dir, sets=mode_sets(PerfOptions(quick=True))), run_dir)
    assert list(result["phases_s"]) == list(PHASES)
    assert sum(result["phases_s"].values()) == pytest.approx(result["wall_s"], rel=1e-6)
    assert result["calls"]["train_iteration"] > 0 and result["calls"]["pretrain"] == 2
    assert result["dataset"]["attributes"] == 16 and result["peak_rss_bytes"] > 0
    json.dumps(result)  # the record must be JSON-ready


def test_short_run_projection_scales_training_by_iterations_and_evaluation_by_evaluations():
    from zslkit.bench.perf_e2e import PHASES, project_full

    phases = dict.fromkeys(PHASES, 1.0)
    short = {"phases_s": phases, "calls": {"train_iteration": 150, "evaluate_phase": 4}}
    projected = project_full(short, {"iterations": 1000, "validation_evaluations": 10})
    assert projected["phases_s"]["GAN training"] == pytest.approx(2000 / 150)
    assert projected["phases_s"]["evaluation"] == pytest.approx(12 / 4)
    assert projected["phases_s"]["setup"] == 1.0
    assert projected["wall_s"] == pytest.approx(sum(projected["phases_s"].values()))


def test_targets_are_judged_from_the_record():
    from zslkit.bench.perf_report import judge

    record = {"quick": False, "clswgan": {"speedup_shipped_vs_public": 2.5},
              "srgan": {"paper_cub": {"fraction_of_fp32_peak": 0.7, "best_s": 10.0},
                        "paper_cub_bf16": {"best_s": 5.0}},
              "e2e": {"mode": "full", "wall_s": 1200.0, "peak_rss_bytes": 2 << 30,
                      "classifier_and_evaluation_share": 0.1}}
    verdicts = {row["key"]: row["met"] for row in judge(record)}
    assert verdicts == {"clswgan_speedup": True, "srgan_paper_cub_fraction": False, "srgan_paper_awa_fraction": None,
                        "srgan_cpu_default_fraction": None, "bf16_speedup": True, "e2e_minutes": False,
                        "classifier_eval_share": True, "peak_rss_gib": False}
    record["e2e"]["mode"] = "short"  # a shortened run's time says nothing about the shipped schedule's
    rows = {row["key"]: row for row in judge(record)}
    assert rows["e2e_minutes"]["met"] is None and "--e2e full" in rows["e2e_minutes"]["note"]


def test_command_line_options_are_checked():
    from zslkit.bench.perf import parse_args

    opts = parse_args(["--only", "e2e,srgan", "--threads", "1", "--e2e", "full"])
    assert opts.only == ("e2e", "srgan") and opts.threads == 1 and opts.e2e == "full"
    with pytest.raises(SystemExit):
        parse_args(["--only", "e2e,nosuch"])


def test_timed_iterations_fill_a_time_budget_within_bounds():
    import torch

    from zslkit.bench.perf_sections import MAX_REPEATS, MIN_REPEATS, TIME_BUDGET_S, PerfOptions, _repeats

    cpu, full = torch.device("cpu"), PerfOptions(quick=False)
    assert _repeats(full, cpu, probe_s=12.0) == MIN_REPEATS  # paper scale: a few slow iterations
    assert _repeats(full, cpu, probe_s=0.15) == int(TIME_BUDGET_S / 0.15)  # CPU default: many fast ones
    assert _repeats(full, cpu, probe_s=1e-4) == MAX_REPEATS
    assert _repeats(PerfOptions(quick=True), cpu, probe_s=0.01) == 2
