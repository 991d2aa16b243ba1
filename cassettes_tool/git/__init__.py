"""Everything git: the one runner, the log pass, recording ages, commit ranges and the refresh commit."""
