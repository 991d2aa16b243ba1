"""cassettes-tool: keep vcrpy cassettes honest."""

__version__ = "0.1.0"
