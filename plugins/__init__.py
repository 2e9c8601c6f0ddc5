"""zslkit_plugins: the SR-GAN components, one plugin per module.

Installed as the package `zslkit_plugins` (the folder is `plugins/`). Nothing
here imports torch at package import, so plugin metadata can be read cheaply.
"""
