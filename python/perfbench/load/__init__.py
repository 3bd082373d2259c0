"""The load generator's Python side: ``perfbench.load_test`` (api.py) validates its arguments
into ``LoadOptions`` (options.py), runs the C++ engine (``perfbench._core.LoadEngine``) on its
own threads, polls its per-second timeline, and returns a ``LoadResult`` (result.py). The
built-in loopback HTTP server it is measured against is ``server.LoopbackServer``."""
