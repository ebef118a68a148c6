"""chartkit: render, validate, police and smoke-test this repository's Helm releases."""

__version__ = "0.1.0"
