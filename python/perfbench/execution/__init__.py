"""Running benchmarks: the runner, the worker process and the processes it drives."""
