"""What Alembic itself makes of revision directories, as JSON.

Usage: python alembic_graphs.py ENTRIES.json
ENTRIES.json lists what to load. A string is a script directory (with a
versions/ folder). An object is {"name": ..., "ini": path, "section": name}
(loaded through Alembic's Config, the way `alembic --name` does) or
{"name": ..., "dir": path, "version_locations": [paths]}. For each, Alembic's
ScriptDirectory loads the revisions (no database, no env.py) and this prints
heads, bases, the error it raised and the warnings it gave, by name.
"""
import json
import os
import sys
import warnings

from alembic.config import Config
from alembic.script import ScriptDirectory


def load(entry):
    if isinstance(entry, str):
        return entry, ScriptDirectory(entry)
    if "ini" in entry:
        here = os.path.dirname(os.path.abspath(entry["ini"]))
        # Package notation (`pkg.sub:dir`) is resolved by importing.
        sys.path.insert(0, here)
        config = Config(entry["ini"], ini_section=entry.get("section", "alembic"))
        return entry["name"], ScriptDirectory.from_config(config)
    return entry["name"], ScriptDirectory(entry["dir"], version_locations=entry["version_locations"])


def inspect(entry):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        name = entry if isinstance(entry, str) else entry["name"]
        try:
            name, script = load(entry)
            heads = sorted(script.get_heads())
            bases = sorted(script.get_bases())
            error = None
        except Exception as e:  # every failure is a finding
            heads = bases = None
            error = f"{type(e).__name__}: {e}"
    return name, {
        "heads": heads,
        "bases": bases,
        "error": error,
        # A deprecation notice about configuration, not about the graph.
        "warnings": [str(w.message) for w in caught if "path_separator" not in str(w.message)],
    }


def main():
    with open(sys.argv[1]) as f:
        entries = json.load(f)
    json.dump(dict(inspect(e) for e in entries), sys.stdout)


if __name__ == "__main__":
    main()
