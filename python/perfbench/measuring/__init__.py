"""Timing in this process: the C++ loop's options, its raw results as plain data, the public measure API."""
