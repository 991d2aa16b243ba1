"""Re-record against staging into a scratch run: by replay, or through the project's own tests."""
