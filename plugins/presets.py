"""Presets shipped with the SR-GAN plugins."""

# Table 2's "+rec": the pre- and post-reconstructors.
RECON = ["pre", "post"]

# The full SR-GAN (Table 2, last row) spelled out.
SRGAN = ["srn", "pre", "post"]
