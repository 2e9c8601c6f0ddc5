"""Figures drawn from a finished run folder (`zslkit viz ...`).

Drawing needs matplotlib (the `viz` extra: pip install 'zslkit[viz]'); it is
imported only when a figure is drawn, never when this package is imported.
"""
