"""One module per command: each combines the stages it needs and returns a Report."""
