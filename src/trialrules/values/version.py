"""The library's version, at the bottom layer so that any layer may name it (the package
root re-exports it as ``trialrules.__version__``; hatch reads it from here)."""

__version__ = "0.1.0"
