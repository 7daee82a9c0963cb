#!/usr/bin/env python3
"""Validates every JSON file of a Power BI project against Microsoft's
schemas in ../shared/powerbi-schemas (offline: `$schema` URLs map to local
files). Usage: validate_pbip.py PROJECT_DIR SCHEMAS_DIR. Prints one line per
file; exits 1 on any violation or on a JSON file without a known schema."""
import json
import pathlib
import sys

import jsonschema
from referencing import Registry, Resource

PREFIX = "https://developer.microsoft.com/json-schemas/"
project, schemas = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def retrieve(uri):
    if not uri.startswith(PREFIX):
        raise LookupError(f"schema outside the local copy: {uri}")
    return Resource.from_contents(json.loads((schemas / uri[len(PREFIX):]).read_text()))


registry = Registry(retrieve=retrieve)
checked, failures = 0, []
for path in sorted(project.rglob("*")):
    if path.suffix not in {".json", ".pbip", ".pbir", ".pbism"} and path.name != ".platform":
        continue
    document = json.loads(path.read_text(encoding="utf-8"))
    if path.read_bytes().startswith(b"\xef\xbb\xbf"):
        failures.append(f"{path}: BOM")
    uri = document.get("$schema")
    if not uri:
        failures.append(f"{path}: no $schema")
        continue
    schema = retrieve(uri).contents
    validator = jsonschema.validators.validator_for(schema)(schema, registry=registry)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    for error in errors:
        failures.append(f"{path}: {'/'.join(map(str, error.path))}: {error.message}")
    checked += 1
for failure in failures:
    print(failure)
if failures or checked < 5:
    sys.exit(f"{len(failures)} violations in {checked} JSON files")
print(f"ok: {checked} JSON files valid")
