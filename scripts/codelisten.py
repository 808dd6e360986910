#!/usr/bin/env python3
"""Copies the XBau code lists Plankammer needs into the repository, as compact JSON.

The official lists come as genericode XML (XBau 2.6, shared/xbau-2.6/codelists/). They are
not available where the tests run, so the domain crate embeds the JSON files written here
(services/domain/data/). Run this script again when a new XBau release brings new lists:

    python3 scripts/codelisten.py [FOLDER_WITH_GENERICODE_FILES]

The default folder is ../shared/xbau-2.6/codelists relative to the repository root.

Each list has its own columns. The code column is the one the list's <Key> names (the
recommended key); the name is the first column after it; an optional further column is
kept as "beschreibung" where it says something useful (chosen per list below). Every JSON
file keeps the list's canonical version URI, so a stored code can always be traced back.

Python 3 standard library only.
"""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "xbau-2.6" / "codelists"
TARGET = ROOT / "services" / "domain" / "data"

# output file -> (genericode file, column kept as "beschreibung" or None)
LISTS = {
    "anlagen_3.0.json": ("anlagen_3.0.xml", None),
    "statusbauportal_3.0.json": ("statusbauportal_3.0.xml", "hinweis"),
    "formellebefundeart_2.0.json": ("formellebefundeart_2.0.xml", None),
    "beteiligungrolle_2.0.json": ("beteiligungrolle_2.0.xml", None),
    "nebenbestimmungart_3.0.json": ("nebenbestimmungart_3.0.xml", None),
    "gebaeudeklasse_3.0.json": ("gebaeudeklasse_3.0.xml", "dokumentationMbo"),
    # Art der Maßnahme of a Bauvorhaben (Errichtung, Änderung, Nutzungsänderung …).
    "baumassnahmeart_2.0.json": ("baumassnahmeart_2.0.xml", "dokumentation"),
}

AGS_FILE = "urn_de_bund_destatis_bevoelkerungsstatistik_schluessel_ags_2026-06-30.xml"
HESSEN = "06"


def local(tag: str) -> str:
    """The tag without its namespace: genericode puts only the root element in one."""
    return tag.rsplit("}", 1)[-1]


def child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def text(el: ET.Element | None, name: str) -> str | None:
    c = child(el, name) if el is not None else None
    return c.text.strip() if c is not None and c.text is not None else None


def read_genericode(path: Path):
    """Returns (identification, key column id, name column id, column ids, rows as dicts)."""
    root = ET.parse(path).getroot()
    ident = child(root, "Identification")
    column_set = child(root, "ColumnSet")
    columns = [c.get("Id") for c in column_set if local(c.tag) == "Column"]
    keys = [k for k in column_set if local(k.tag) == "Key"]
    if not keys:
        raise SystemExit(f"{path.name}: the list names no key column")
    # Prefer the key marked as recommended; otherwise the first.
    key = next((k for k in keys if "recommendedKeyColumn" in ET.tostring(k, encoding="unicode")), keys[0])
    key_refs = [r.get("Ref") for r in key if local(r.tag) == "ColumnRef"]
    if len(key_refs) != 1:
        raise SystemExit(f"{path.name}: expected a key of one column, got {key_refs}")
    key_col = key_refs[0]
    rest = [c for c in columns if c != key_col]
    if not rest:
        raise SystemExit(f"{path.name}: no column besides the key")
    name_col = rest[0]
    rows = []
    for row in child(root, "SimpleCodeList"):
        if local(row.tag) != "Row":
            continue
        values = {}
        for v in row:
            if local(v.tag) == "Value":
                values[v.get("ColumnRef")] = text(v, "SimpleValue")
        rows.append(values)
    identification = {
        "kurzname": text(ident, "ShortName"),
        "version": text(ident, "Version"),
        "uri": text(ident, "CanonicalUri"),
        "versions_uri": text(ident, "CanonicalVersionUri"),
    }
    return identification, key_col, name_col, columns, rows


def entries(path: Path, key_col: str, name_col: str, desc_col: str | None, columns, rows, keep=lambda r: True):
    if desc_col is not None and desc_col not in columns:
        raise SystemExit(f"{path.name}: no column {desc_col!r} (columns: {columns})")
    out, seen = [], set()
    for r in rows:
        if not keep(r):
            continue
        code, name = r.get(key_col), r.get(name_col)
        if not code or not name:
            raise SystemExit(f"{path.name}: row without code or name: {r}")
        if code in seen:
            raise SystemExit(f"{path.name}: duplicate code {code}")
        seen.add(code)
        e = {"code": code, "name": name}
        if desc_col is not None and r.get(desc_col):
            e["beschreibung"] = r[desc_col]
        out.append(e)
    return out


def write(target: Path, ident: dict, source: str, eintraege: list) -> None:
    """Compact but diff-friendly: one entry per line."""
    head = {
        "kurzname": ident["kurzname"],
        "version": ident["version"],
        "uri": ident["versions_uri"],
        "quelle": source,
    }
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    lines.append('  "eintraege": [')
    for i, e in enumerate(eintraege):
        comma = "," if i + 1 < len(eintraege) else ""
        lines.append("    " + json.dumps(e, ensure_ascii=False, separators=(", ", ": ")) + comma)
    lines.append("  ]")
    lines.append("}")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Must round-trip.
    json.loads(target.read_text(encoding="utf-8"))


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    if not source.is_dir():
        print(f"Ordner mit den Codelisten nicht gefunden: {source}", file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)

    for out, (xml, desc_col) in LISTS.items():
        path = source / xml
        ident, key_col, name_col, columns, rows = read_genericode(path)
        eintraege = entries(path, key_col, name_col, desc_col, columns, rows)
        write(TARGET / out, ident, xml, eintraege)
        print(f"{out}: {len(eintraege)} Einträge ({ident['versions_uri']}; Code={key_col}, Name={name_col})")

    # Gemeinden in Hessen. The AGS list holds only Gemeinden (8 digits: Land 2, Regierungsbezirk 1,
    # Kreis 2, Gemeinde 3; kreisfreie Städte end in 000) plus, for the city states, rows for
    # Stadt-/Ortsteile marked in the "Hinweis" column. Keep Hessen (06) and drop any row with a
    # Hinweis, so only Gemeinden (and the gemeindefreie Gutsbezirke, which are rows of their own
    # in the official list) remain.
    path = source / AGS_FILE
    ident, key_col, name_col, columns, rows = read_genericode(path)
    hint_col = "Hinweis" if "Hinweis" in columns else None

    def is_hessian_gemeinde(r: dict) -> bool:
        key = r.get(key_col) or ""
        return (
            key.startswith(HESSEN)
            and len(key) == 8
            and key.isdigit()
            and not (hint_col and r.get(hint_col))
        )

    eintraege = entries(path, key_col, name_col, None, columns, rows, keep=is_hessian_gemeinde)
    eintraege.sort(key=lambda e: e["code"])
    write(TARGET / "gemeinden_hessen.json", ident, AGS_FILE, eintraege)
    print(f"gemeinden_hessen.json: {len(eintraege)} Einträge ({ident['versions_uri']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
