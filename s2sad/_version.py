"""The version of s2sad (a base-layer leaf: every layer may import it; setup.cfg reads it)."""
__version__ = "0.1.0"
