"""Resolve a run before training: plugins, config, data, tasks, run folder, resume checks."""

from __future__ import annotations


from zslkit.errors import ConfigError, ZslkitError
from zslkit.runner import Prepared, RunOptions, default_out, pick_device
from zslkit.runstore import RunStore
from zslkit.settings import ADAM_IMPLEMENTATIONS
from zslkit.trainer.selection import MODES


def prepare_run(opts: RunOptions) -> Prepared:
    if opts.resume is not None:
        return _prepare_resume(opts)
    from zslkit.config import config_to_dict, resolve_config
    from zslkit.resolution import config_sections, resolve_spec

    resolved = resolve_spec(opts.plugins)
    sections, inactive = config_sections(resolved, opts.dataset)
    overrides = list(opts.overrides) + ([f"selection.mode={opts.select}"] if opts.select else [])
    configs = resolve_config(sections, opts.dataset, opts.config_file, overrides, inactive)
    _check_core(configs)
    store = RunStore(opts.out or default_out(opts.dataset, opts.seed))
    if (store.root / "config.yaml").exists():
        raise ZslkitError(f"--out {store.root}: already holds a run (use --resume {store.root} or another --out)")
    device = pick_device(opts.device)
    data = _load_data(opts.dataset, opts.data_root, configs)
    store.create()
    header = _header(opts, resolved, data, device)
    store.write_config({"run": {**header, "spec": resolved.spec, "data_root": opts.data_root},
                        "config": config_to_dict(configs)})
    return _with_tasks(Prepared(resolved, configs, data, store, device, header))


def _prepare_resume(opts: RunOptions) -> Prepared:
    from zslkit.config import configs_from_dict
    from zslkit.resolution import config_sections, resolve_spec

    store = RunStore(opts.resume)
    saved = store.read_config()
    run = saved["run"]
    resolved = resolve_spec(run["spec"])
    if opts.plugins:
        asked = resolve_spec(opts.plugins)
        if asked.names != resolved.names:
            raise ZslkitError(f"--resume {store.root}: the run used plugins {_diff(resolved.names, asked.names)}; "
                              "resume with the same plugin set (or start a new run)")
    sections, _ = config_sections(resolved, run["dataset"])
    configs = configs_from_dict(sections, saved["config"])
    if opts.overrides or opts.config_file or opts.select:
        raise ZslkitError(f"--resume {store.root}: --set/--config/--select cannot change a run in progress")
    device = pick_device(opts.device)
    data = _load_data(run["dataset"], opts.data_root or run.get("data_root"), configs)
    header = {k: run[k] for k in ("dataset", "dataset_source", "dataset_notes", "plugins", "seed", "device")}
    header["device"] = str(device)
    return _with_tasks(Prepared(resolved, configs, data, store, device, header))


def _diff(saved: list[str], asked: list[str]) -> str:
    missing, extra = sorted(set(saved) - set(asked)), sorted(set(asked) - set(saved))
    return f"{','.join(saved)} (now asked: {','.join(asked)}; missing {missing or '[]'}, extra {extra or '[]'})"


def _check_core(configs: dict) -> None:
    mode = configs["selection"].mode
    if mode not in MODES:
        raise ConfigError(f"selection.mode={mode!r}: expected one of {', '.join(MODES)}")
    trainer = configs["trainer"]
    if trainer.generator_updates not in ("separate", "joint"):
        raise ConfigError(f"trainer.generator_updates={trainer.generator_updates!r}: expected 'separate' or 'joint'")
    if trainer.precision not in ("fp32", "bf16"):
        raise ConfigError(f"trainer.precision={trainer.precision!r}: expected 'fp32' or 'bf16'")
    if trainer.adam not in ADAM_IMPLEMENTATIONS:
        raise ConfigError(f"trainer.adam={trainer.adam!r}: expected 'fused', 'foreach' or 'single'")
    if configs["classifier"].kind not in ("softmax", "knn"):
        raise ConfigError(f"classifier.kind={configs['classifier'].kind!r}: expected 'softmax' or 'knn'")
    for key in ("iterations", "batch_size", "n_critic", "eval_every", "log_every", "checkpoint_every", "noise_dim"):
        if getattr(trainer, key) < 1:
            raise ConfigError(f"trainer.{key}={getattr(trainer, key)}: expected a positive integer")


def _load_data(name: str, data_root, configs: dict):
    from zslkit.datasets.registry import load_dataset

    return load_dataset(name, data_root, configs.get(name))


def _header(opts: RunOptions, resolved, data, device) -> dict:
    return {"dataset": opts.dataset, "dataset_source": str(getattr(data, "source", "")),
            "dataset_notes": list(getattr(data, "notes", [])), "plugins": list(resolved.names),
            "seed": int(opts.seed), "device": str(device)}


def _with_tasks(prepared: Prepared) -> Prepared:
    from zslkit.datasets.tasks import make_task, minmax_scale

    data_config = prepared.configs["data"]
    modes = ("validation", "test") if prepared.configs["selection"].mode == "validation" else ("test",)
    for mode in modes:
        task = make_task(prepared.data, mode, data_config.val_seen_fraction, data_config.split_seed)
        prepared.tasks[mode] = minmax_scale(task) if data_config.normalize == "minmax" else task
    if data_config.normalize not in ("minmax", "none"):
        raise ConfigError(f"data.normalize={data_config.normalize!r}: expected 'minmax' or 'none'")
    return prepared

