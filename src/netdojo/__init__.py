"""netdojo: emulated network labs."""

__version__ = "0.1.0"  # keep in step with pyproject.toml (the gradebook records it)
