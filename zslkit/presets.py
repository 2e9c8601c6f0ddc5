"""Presets of the core: named lists of plugin specs (resolved by the plugin manager).

A preset may name plugins, other presets, or `no:NAME` to drop a default.
"""

# The SR-GAN baseline (Table 2, first row) is the default base set of every run.
BASE = ["resgen", "acgan", "pivot"]

# f-CLSWGAN (Xian et al. 2018): MLP generator on [z, s], conditional WGAN-GP critic, and the classification
# regulariser of its Eq. 4 (a frozen softmax classifier pre-trained on real seen features).
CLSWGAN = ["mlpgen", "wgancritic", "clsreg", "no:pivot"]

# GAZSL-style (Zhu et al. 2018): MLP generator, auxiliary-classifier critic, visual pivots.
GAZSL = ["mlpgen", "acgan", "pivot"]
