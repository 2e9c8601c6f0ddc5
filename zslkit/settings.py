"""The core's config sections: trainer, classifier, selection, data.

Each section is a dataclass whose fields carry a `help` string; plugins and
datasets add sections of their own, named after themselves. Precedence (see
`zslkit.config`): dataclass defaults < the shipped per-dataset YAML < the user's
YAML (`--config`) < `--set section.key=value`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def opt(default, help: str, **kwargs):
    """A dataclass field with a help string (shown by `zslkit plugins show`)."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help}, **kwargs)
    return field(default=default, metadata={"help": help}, **kwargs)


ADAM_IMPLEMENTATIONS = ("fused", "foreach", "single")  # trainer.adam; torch flags in zslkit.trainer.modules


@dataclass
class TrainerConfig:
    iterations: int = opt(2000, "GAN iterations per training phase (one iteration = n_critic critic steps + generator sub-steps)")
    batch_size: int = opt(1024, "mini-batch size (Algorithm 1: 1024)")
    n_critic: int = opt(5, "critic steps per generator step (Algorithm 1: 5)")
    lr: float = opt(1e-4, "Adam learning rate of the generator and critic (Algorithm 1: 1e-4)")
    beta1: float = opt(0.5, "Adam beta1 (GAZSL lineage: 0.5)")
    beta2: float = opt(0.9, "Adam beta2 (GAZSL lineage: 0.9)")
    noise_dim: int = opt(100, "dimension of the generator's noise z")
    generator_updates: str = opt("separate", "'separate': one update per generator sub-step (Algorithm 1 lines 13-15); 'joint': all terms summed in one update (Eq. 8)")
    eval_every: int = opt(500, "evaluate (for model selection) every this many iterations, and at the end")
    log_every: int = opt(50, "read loss values from the device every this many iterations")
    checkpoint_every: int = opt(500, "write a resumable checkpoint every this many iterations")
    adam: str = opt("fused", "Adam implementation: 'fused' (one kernel per parameter group; several times faster on CPU; 'foreach' where this torch or device lacks it), 'foreach', or 'single' (torch's per-tensor loop)")
    precision: str = opt("fp32", "'fp32' or 'bf16' (autocast for GAN training on devices that support it)")


@dataclass
class ClassifierConfig:
    kind: str = opt("softmax", "final classifier: 'softmax' (f-CLSWGAN) or 'knn' (cosine k-NN vote, GAZSL)")
    syn_per_class: int = opt(0, "synthesized features per class to recognise (0: the kind's default, softmax 300, knn 60)")
    epochs: int = opt(25, "softmax: training epochs")
    lr: float = opt(1e-3, "softmax: Adam learning rate")
    beta1: float = opt(0.5, "softmax: Adam beta1")
    batch_size: int = opt(0, "softmax: batch size (0: the number of synthesized features per class, as f-CLSWGAN)")
    k: int = opt(20, "knn: number of neighbours")
    seen_source: str = opt("real", "GZSL: seen classes are represented by 'real' training features or 'synthetic' ones")
    gamma_steps: int = opt(41, "calibration values (quantiles of the seen-unseen score gaps, plus 0) swept to choose gamma for calibrated stacking; AUSUC uses the exact curve")


@dataclass
class SelectionConfig:
    mode: str = opt("validation", "'validation': choose iterations (and calibration) on the validation split, retrain on train+val; 'test': pick the best evaluation on the test split (published practice, labelled test-selected); 'last': no selection, report the last evaluation")


@dataclass
class DataConfig:
    normalize: str = opt("minmax", "'minmax': per-dimension MinMax fitted on training features only; 'none'")
    val_seen_fraction: float = opt(0.2, "GZSL validation: seeded fraction of training-class samples held out as validation-seen")
    split_seed: int = opt(0, "seed of the validation split (independent of the run seed)")


CORE_SECTIONS = {
    "trainer": TrainerConfig,
    "classifier": ClassifierConfig,
    "selection": SelectionConfig,
    "data": DataConfig,
}
