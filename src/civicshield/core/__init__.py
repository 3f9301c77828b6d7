"""Framework-free engines: analysis usable as a library and from the command line.

Nothing under ``civicshield.core`` may import Django; ``tests/test_boundary.py`` enforces it.
"""
