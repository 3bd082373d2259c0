"""The load generator's Python side and the built-in loopback server it is tested against."""
