"""`python -m alembic_preflight`: runs the binary this package installed."""

import os
import sys
import sysconfig

# Set for the binary this module runs: a "binary" that is really a wrapper
# running this module again would otherwise loop for ever.
MARKER = "ALEMBIC_PREFLIGHT_SHIM"


def is_binary(path: str) -> bool:
    """An executable file that is not a script (`#!`): a script named
    alembic-preflight may be a wrapper that runs this module."""
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return False
    try:
        with open(path, "rb") as f:
            return f.read(2) != b"#!"
    except OSError:
        return False


def find_binary() -> "str | None":
    """The alembic-preflight executable installed with this package."""
    name = "alembic-preflight" + (sysconfig.get_config_var("EXE") or "")
    # The interpreter's scripts directory, then the user's (`pip install --user`).
    directories = [sysconfig.get_path("scripts")]
    user = f"{os.name}_user"
    if user in sysconfig.get_scheme_names():
        directories.append(sysconfig.get_path("scripts", user))
    # A layout of its own (a target directory, a zipapp): the package's
    # data directory's scripts.
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    directories += [os.path.join(here, "bin"), os.path.join(here, "Scripts")]
    for directory in directories:
        candidate = os.path.join(directory, name)
        if is_binary(candidate):
            return candidate
    # Then PATH, skipping what is not the binary itself.
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if is_binary(candidate):
            return candidate
    return None


def fail(message: str) -> None:
    """Exit 2, as the binary does for a problem of the tool itself."""
    print(f"alembic-preflight: error: {message}", file=sys.stderr)
    sys.exit(2)


def main() -> None:
    if os.environ.get(MARKER):
        fail(
            "the alembic-preflight found runs `python -m alembic_preflight` again, "
            "not the binary; reinstall the package (`pip install --force-reinstall alembic-preflight`)"
        )
    binary = find_binary()
    if binary is None:
        fail(f"the alembic-preflight binary is not installed beside this Python ({sys.executable})")
    os.environ[MARKER] = "1"
    try:
        if sys.platform == "win32":
            import subprocess

            sys.exit(subprocess.call([binary, *sys.argv[1:]]))
        os.execv(binary, [binary, *sys.argv[1:]])
    except OSError as error:
        fail(f"cannot run {binary}: {error.strerror or error}")


if __name__ == "__main__":
    main()
