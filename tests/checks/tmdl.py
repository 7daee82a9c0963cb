"""Reads a Power BI project's TMDL the way the checks need it, once for
both check scripts: tables (columns, measures with their DAX and
description, sortByColumn, the partition's M) and relationships."""


def unquote(name):
    name = name.strip()
    if name.startswith("'") and name.endswith("'"):
        return name[1:-1].replace("''", "'")
    return name


def parse_model(root):
    """{table: {"columns": set, "measures": {name: dax}, "descriptions":
    {measure: its /// text}, "sort_by": {col: by}, "m": the partition's M}}
    and the relationships as {(from, to): active}."""
    tables = {}
    for path in sorted(root.glob("*.SemanticModel/definition/tables/*.tmdl")):
        table = {"columns": set(), "measures": {}, "descriptions": {}, "sort_by": {}, "m": ""}
        description = ""
        name, column = None, None
        text = path.read_text(encoding="utf-8")
        if "\t\tsource =\n" in text:
            body = text.split("\t\tsource =\n", 1)[1]
            table["m"] = "\n".join(l.strip() for l in body.splitlines() if l.startswith("\t\t\t"))
        for line in text.splitlines():
            depth = len(line) - len(line.lstrip("\t"))
            text = line.strip()
            if text.startswith("///"):
                description = text[3:].strip()
                continue
            if depth == 0 and text.startswith("table "):
                name = unquote(text[len("table "):])
            elif depth == 1 and text.startswith("column "):
                column = unquote(text[len("column "):])
                table["columns"].add(column)
            elif depth == 1 and text.startswith("measure "):
                measure, _, dax = text[len("measure "):].partition(" = ")
                table["measures"][unquote(measure)] = dax
                table["descriptions"][unquote(measure)] = description
                column = None
            elif depth == 1:
                column = None
            elif depth == 2 and column and text.startswith("sortByColumn: "):
                table["sort_by"][column] = unquote(text[len("sortByColumn: "):])
            if text:
                description = ""
        tables[name] = table
    relationships = {}
    text = next(root.glob("*.SemanticModel/definition/relationships.tmdl")).read_text(encoding="utf-8")
    for block in text.split("relationship ")[1:]:
        fields = dict(
            (k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in block.splitlines()[1:] if ":" in l)
        )
        relationships[(fields["fromColumn"], fields["toColumn"])] = fields.get("isActive") != "false"
    return tables, relationships
