"""alembic-preflight: the binary, installed from a wheel.

The package holds no Python API; `python -m alembic_preflight` runs the
binary the wheel installed beside the interpreter's scripts.
"""
