"""Tiny suites for the bench tests: small by configuration, same code path as a real suite.

A plain module, not a conftest.py: `from conftest import ...` elsewhere in the
tests would otherwise find this file instead of its own conftest.
"""

from __future__ import annotations

from pathlib import Path

import yaml

TINY_DATA = ["synthetic.n_seen=8", "synthetic.n_unseen=4", "synthetic.n_val=2", "synthetic.n_attributes=16",
             "synthetic.feature_dim=32", "synthetic.samples_per_class=20", "synthetic.n_crowded_groups=2"]
TINY_MODEL = ["resgen.hidden=32", "acgan.hidden=32", "srn.hidden=16", "srn.iterations=10"]
# The protocol is pinned: the shipped per-dataset defaults may choose another classifier.
TINY_TRAIN = ["classifier.kind=softmax", "selection.mode=validation",
              "trainer.iterations=4", "trainer.batch_size=32", "trainer.n_critic=1", "trainer.eval_every=2",
              "trainer.log_every=2", "trainer.checkpoint_every=2", "trainer.noise_dim=8",
              "classifier.epochs=2", "classifier.syn_per_class=10", "classifier.gamma_steps=5"]
TINY = TINY_DATA + TINY_MODEL + TINY_TRAIN
TINY_NO_SRN = [s for s in TINY if not s.startswith("srn.")]
# Cheapest cells (executor and failure tests): one phase, no validation retraining.
FAST = TINY_DATA + TINY_MODEL[:2] + TINY_TRAIN + ["selection.mode=last", "trainer.iterations=2"]


def write_suite(folder: Path, methods: list[dict], name: str = "tiny", **top) -> Path:
    """Write a suite YAML file and return its path (top-level keys default to synthetic, 2 seeds, TINY).

    The srn settings are left out when no method uses srn: a shared override that
    applies to no method is an error.
    """
    with_srn = any("srn" in m.get("plugins", "") for m in methods)
    data = {"name": name, "datasets": ["synthetic"], "seeds": 2, "set": list(TINY if with_srn else TINY_NO_SRN),
            **top, "methods": methods}
    path = Path(folder) / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
