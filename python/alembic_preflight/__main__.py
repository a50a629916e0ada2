"""`python -m alembic_preflight`: runs the binary this package installed."""

import os
import sys
import sysconfig


def find_binary() -> str:
    """The alembic-preflight executable installed with this package."""
    name = "alembic-preflight" + (sysconfig.get_config_var("EXE") or "")
    # The interpreter's scripts directory, then the user's (`pip install --user`).
    directories = [sysconfig.get_path("scripts")]
    user = f"{os.name}_user"
    if user in sysconfig.get_scheme_names():
        directories.append(sysconfig.get_path("scripts", user))
    for directory in directories:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    # A layout of its own (a target directory, a zipapp): the package's
    # data directory's scripts, then PATH.
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(here, "bin", name), os.path.join(here, "Scripts", name)):
        if os.path.isfile(candidate):
            return candidate
    from shutil import which

    found = which(name)
    if found:
        return found
    raise FileNotFoundError(f"{name} is not installed beside this Python ({sys.executable})")


def main() -> None:
    binary = find_binary()
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.call([binary, *sys.argv[1:]]))
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
