"""The sizes `benchmarks/perf` measures at (full and --quick), in one place.

Model sizes come from the shipped defaults named by each scale (cub.yaml and
awa2.yaml: paper scale; synthetic.yaml: the shipped CPU default), so the
benchmark follows the files. Data are synthetic with the real datasets'
shapes; the number of training samples does not change an iteration's cost.
"""

from __future__ import annotations

from zslkit.bench.perf_gan import Scale

SRGAN = "srn,recon"  # the full SR-GAN: resgen, acgan, pivot (base) + srn, pre, post

# f-CLSWGAN's public sizes, pinned (not read from a file): batch 64, 4096 hidden, 5 critic steps, nz = 100.
CLSWGAN_PUBLIC = ("trainer.batch_size=64", "trainer.n_critic=5", "trainer.noise_dim=100",
                  "mlpgen.hidden=4096", "wgancritic.hidden=4096", "wgancritic.gp_lambda=10.0")

# A CUB-sized synthetic dataset: 200 classes (150 seen, 50 of them validation, 50 unseen), 2048-d, 312 attributes,
# about 59 samples per class (CUB: 11,788 images).
CUB_SIZED_DATA = ("synthetic.n_seen=150", "synthetic.n_unseen=50", "synthetic.n_val=50",
                  "synthetic.n_attributes=312", "synthetic.feature_dim=2048", "synthetic.samples_per_class=59")

FULL = {
    "paper_cub": Scale("paper scale, CUB sizes (312 attributes)", SRGAN, "cub", n_seen=150, n_unseen=50,
                       n_attributes=312),
    "paper_awa": Scale("paper scale, AWA sizes (85 attributes)", SRGAN, "awa2", n_seen=40, n_unseen=10,
                       n_attributes=85, samples_per_class=100),
    "cpu_default": Scale("shipped CPU default (synthetic.yaml), CUB-sized data", SRGAN, "synthetic", n_seen=150,
                         n_unseen=50, n_attributes=312),
    "clswgan": Scale("f-CLSWGAN public sizes (batch 64, 4096 hidden), CUB sizes", "clswgan", "cub", n_seen=150,
                     n_unseen=50, n_attributes=312, overrides=CLSWGAN_PUBLIC),
}

_TINY_SRGAN = ("resgen.hidden=64", "acgan.hidden=64", "pre.hidden=64", "post.hidden=64", "srn.hidden=32",
               "trainer.batch_size=32", "trainer.noise_dim=8", "trainer.n_critic=2")
_TINY_MODEL = (*_TINY_SRGAN, "mlpgen.hidden=64", "wgancritic.hidden=64")
_TINY = dict(n_seen=12, n_unseen=6, n_attributes=16, feature_dim=48, samples_per_class=20, overrides=_TINY_MODEL)

QUICK = {key: Scale(f"--quick stand-in for: {scale.name}", scale.spec, scale.defaults, **_TINY)
         for key, scale in FULL.items()}

TINY_DATA = ("synthetic.n_seen=12", "synthetic.n_unseen=6", "synthetic.n_val=3", "synthetic.n_attributes=16",
             "synthetic.feature_dim=48", "synthetic.samples_per_class=20")
TINY_RUN = (*_TINY_SRGAN, "srn.iterations=10", "trainer.iterations=6", "trainer.eval_every=3",
            "trainer.log_every=3", "trainer.checkpoint_every=6", "classifier.syn_per_class=10")


def scales(quick: bool) -> dict[str, Scale]:
    return QUICK if quick else FULL
