"""The hook repository's package: nothing of its own, it pins the wheel.

pre-commit installs a `language: python` hook repository with pip; this
package's one requirement is the alembic-preflight wheel of the same
version, so the hook runs the prebuilt binary.
"""

from setuptools import setup

VERSION = "0.1.0"

setup(
    name="alembic-preflight-pre-commit",
    version=VERSION,
    install_requires=[f"alembic-preflight=={VERSION}"],
    py_modules=[],
)
