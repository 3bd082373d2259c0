"""Stored results as pandas DataFrames, and small HTML tables for Jupyter.

``perfbench.open_store(path)`` (store_frames.py) is the way in; columns.py says what each
frame's columns are; html_table.py renders the ``_repr_html_`` of perfbench's objects.
Nothing here is imported by a run or a worker: pandas is loaded only when a frame is asked for.
"""
