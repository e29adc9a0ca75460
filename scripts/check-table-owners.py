#!/usr/bin/env python3
"""Each module owns its tables (docs/ARCHITECTURE.md, "Who owns which table"): SQL in src/<module>/
may name only that module's tables. Every other access must go through the owner's functions.

Tables are found in the migrations and the owners read from ARCHITECTURE.md."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
architecture = (root / "docs/ARCHITECTURE.md").read_text()
section = architecture.split("### Who owns which table", 1)[1].split("\n## ", 1)[0]
owner = {}
for line in section.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 2 or not cells[0].startswith("`"):
        continue
    module = cells[0].strip("`")
    for table in re.findall(r"`([a-z_]+)`", cells[1]):
        owner[table] = module

tables = set()
for migration in sorted((root / "migrations").glob("*.sql")):
    text = migration.read_text()
    tables.update(re.findall(r"CREATE (?:VIRTUAL )?TABLE (?:IF NOT EXISTS )?([a-z_]+)", text))
    # A table rebuilt under a new name (SQLite changes a constraint that way) keeps its old name.
    for old, new in re.findall(r"ALTER TABLE ([a-z_]+) RENAME TO ([a-z_]+)", text):
        tables.discard(old)
        tables.add(new)
tables.add("schema_migrations")
problems = [f"table {t} has no owner in docs/ARCHITECTURE.md" for t in sorted(tables - owner.keys())]

# A table named after FROM/JOIN/INTO/UPDATE/TABLE inside a C++ string literal.
string_literal = re.compile(r'"((?:[^"\\]|\\.)*)"')
table_use = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|EXISTS)\s+([a-z_]+)", re.IGNORECASE)
for source in sorted((root / "src").rglob("*.cpp")):
    module = source.relative_to(root / "src").parts[0]
    text = source.read_text()
    for literal in string_literal.findall(text):
        for table in table_use.findall(literal):
            if table not in tables or owner.get(table) == module:
                continue
            problems.append(f"src/{module}/{source.name} names {table}, owned by {owner.get(table)}: "
                            f"call {owner.get(table)}'s functions instead")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"lint: table owners respected ({len(tables)} tables, no module names another's)")
