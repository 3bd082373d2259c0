"""From samples to figures: statistics, pooling, scaling fits, derived metrics and their names."""
