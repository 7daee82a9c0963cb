#!/usr/bin/env python3
"""Checks a Power BI project without Power BI Desktop.

1. Every JSON file validates against Microsoft's schema for its `$schema`,
   from the local copy in ../shared/powerbi-schemas (offline: `$schema` URLs
   map to local files). The report theme, which has no `$schema`, must be
   the one report.json registers, with hex colours.
2. The report resolves against the model: every entity, column and measure
   a page or visual names (projections, sorts, filters, drill-through
   bindings, slicers) exists in the TMDL table files, as the right kind
   (a column reference to a measure fails, and so does the reverse).
3. Every measure's DAX and every partition's Power Query M parse with an
   independent parser (pbi-parsers, from PyPI).
4. The model holds together: each measure's name differs from every column
   name in the model (Power BI compares names case-insensitively); each
   `sortByColumn` names a column of its table; each `USERELATIONSHIP` names
   an inactive relationship of relationships.tmdl.

Usage: validate_pbip.py PROJECT_DIR SCHEMAS_DIR. Prints one line per
failure and a summary; exits 1 on any failure."""
import json
import pathlib
import re
import sys

import jsonschema
from pbi_parsers import dax as dax_parser
from pbi_parsers import pq as m_parser
from referencing import Registry, Resource
from tmdl import parse_model

PREFIX = "https://developer.microsoft.com/json-schemas/"
project, schemas = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def retrieve(uri):
    if not uri.startswith(PREFIX):
        raise LookupError(f"schema outside the local copy: {uri}")
    return Resource.from_contents(json.loads((schemas / uri[len(PREFIX):]).read_text()))


def field_references(node, found):
    """Every {"Column"|"Measure": {"Expression": {"SourceRef": {"Entity"}}, "Property"}}
    below `node`, as (kind, entity, property)."""
    if isinstance(node, dict):
        for kind in ("Column", "Measure"):
            ref = node.get(kind)
            if isinstance(ref, dict) and "Property" in ref:
                entity = ref.get("Expression", {}).get("SourceRef", {}).get("Entity")
                if entity is not None:
                    found.append((kind, entity, ref["Property"]))
        for value in node.values():
            field_references(value, found)
    elif isinstance(node, list):
        for value in node:
            field_references(value, found)
    return found


def main():
    registry = Registry(retrieve=retrieve)
    checked, failures = 0, []
    documents = {}
    themes = set()
    for report in project.glob("*.Report/definition/report.json"):
        data = json.loads(report.read_text(encoding="utf-8"))
        for package in data.get("resourcePackages", []):
            for item in package["items"]:
                if item["type"] == "CustomTheme":
                    themes.add(report.parent.parent / "StaticResources" / package["name"] / item["path"])
    for path in sorted(project.rglob("*")):
        if path.suffix not in {".json", ".pbip", ".pbir", ".pbism"} and path.name != ".platform":
            continue
        if path.read_bytes().startswith(b"\xef\xbb\xbf"):
            failures.append(f"{path}: BOM")
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[path] = document
        if path in themes:
            colours = document.get("dataColors", [])
            if not document.get("name") or not colours:
                failures.append(f"{path}: a theme needs a name and dataColors")
            failures.extend(
                f"{path}: colour {c!r} is not #RRGGBB" for c in colours if not re.fullmatch(r"#[0-9A-Fa-f]{6}", c)
            )
            checked += 1
            continue
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
    missing_themes = [t for t in themes if not t.is_file()]
    failures.extend(f"{t}: registered theme file missing" for t in missing_themes)

    tables, relationships = parse_model(project)
    names = {t.lower() for t in tables}
    fields = 0
    for path, document in documents.items():
        if "/definition/pages/" not in path.as_posix():
            continue
        for kind, entity, prop in field_references(document, []):
            fields += 1
            table = tables.get(entity)
            if table is None:
                failures.append(f"{path}: table {entity!r} is not in the model")
            elif kind == "Column" and prop not in table["columns"]:
                failures.append(f"{path}: {entity}[{prop}] is no column of the model")
            elif kind == "Measure" and prop not in table["measures"]:
                failures.append(f"{path}: [{prop}] is no measure of {entity}")
    columns = {c.lower(): t for t, table in tables.items() for c in table["columns"]}
    inactive = {pair for pair, active in relationships.items() if not active}
    measures = 0
    for name, table in tables.items():
        for column, by in table["sort_by"].items():
            if by not in table["columns"]:
                failures.append(f"{name}[{column}] sorts by {by!r}, no column of {name}")
        for measure, dax in table["measures"].items():
            measures += 1
            if measure.lower() in columns or measure.lower() in names:
                failures.append(f"measure [{measure}] shares its name with a column or table ({columns.get(measure.lower())})")
            for a_table, a_col, b_table, b_col in re.findall(
                r"USERELATIONSHIP\(\s*(\w+)\[(\w+)\]\s*,\s*(\w+)\[(\w+)\]\s*\)", dax
            ):
                if (f"{a_table}.{a_col}", f"{b_table}.{b_col}") not in inactive:
                    failures.append(f"measure [{measure}]: no inactive relationship {a_table}.{a_col} -> {b_table}.{b_col}")
    parsed = 0
    for name, table in tables.items():
        items = [("DAX", f"measure [{m}]", dax, dax_parser) for m, dax in table["measures"].items()]
        if table["m"]:
            items.append(("M", f"{name}'s partition", table["m"], m_parser))
        for language, what, text, parser in items:
            try:
                ok = parser.to_ast(text) is not None
            except Exception as error:  # the parser raises on a syntax error
                ok, text = False, f"{text} ({error})"
            parsed += 1
            if not ok:
                failures.append(f"{what}: {language} does not parse: {text}")
    for failure in failures:
        print(failure)
    if failures or checked < 5:
        sys.exit(f"{len(failures)} failures in {checked} JSON files")
    print(f"ok: {checked} JSON files valid; {fields} report fields resolve against {len(tables)} tables; {measures} measures checked; {parsed} DAX and M expressions parse")


main()
