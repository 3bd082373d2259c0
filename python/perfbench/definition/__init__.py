"""What to run: benchmark definitions, the project's own benchmarks, discovery and the decorator."""
