"""Everything git: the one runner, cassette ages, blame, commit ranges and the refresh commit."""
