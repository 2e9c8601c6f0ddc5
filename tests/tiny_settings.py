"""Small, fast run settings shared by the tests: small by configuration, same code path."""

TINY_DATA = ["synthetic.n_seen=8", "synthetic.n_unseen=4", "synthetic.n_val=2", "synthetic.n_attributes=16",
             "synthetic.feature_dim=32", "synthetic.samples_per_class=30", "synthetic.n_crowded_groups=2"]
TINY_MODEL = ["resgen.hidden=48", "acgan.hidden=48", "srn.hidden=32", "srn.iterations=20", "pre.hidden=32",
              "post.hidden=32", "mlpgen.hidden=48", "wgancritic.hidden=48"]
TINY_TRAIN = ["trainer.iterations=12", "trainer.batch_size=32", "trainer.n_critic=2", "trainer.eval_every=6",
              "trainer.log_every=3", "trainer.checkpoint_every=3", "trainer.noise_dim=8",
              "classifier.epochs=3", "classifier.syn_per_class=16"]


def tiny_sets(plugins: str = "") -> list[str]:
    names = {"resgen", "acgan", "pivot"} | set(filter(None, plugins.replace("recon", "pre,post").split(",")))
    names |= {"mlpgen", "wgancritic"} if "clswgan" in plugins or "gazsl" in plugins else set()
    model = [s for s in TINY_MODEL if s.split(".")[0] in names]
    args = []
    for item in TINY_DATA + model + TINY_TRAIN:
        args += ["--set", item]
    return args
