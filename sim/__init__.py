"""gpps: an agent-based simulation of government purchase of public services."""

__version__ = "0.3.1"
