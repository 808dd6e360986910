#!/usr/bin/env python3
"""Checks the licences of every Rust crate and npm package Plankammer ships.

Plankammer is EUPL-1.2. No AGPL (or other strong network copyleft) code may be linked in,
and no GPL code either, since it would decide the licence of the whole binary. Every
dependency must declare a licence. Exits non-zero and names the offenders otherwise."""
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = re.compile(r"\b(AGPL|SSPL|GPL|CC-BY-NC|BUSL)", re.I)


def acceptable(expr: str) -> bool:
    """An SPDX expression is fine when at least one OR-alternative is free of the forbidden."""
    alts = re.split(r"\s+OR\s+|/", expr.replace("(", " ").replace(")", " "))
    return any(a.strip() and not FORBIDDEN.search(a) for a in alts)


def main() -> int:
    meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--locked"], cwd=ROOT))
    bad, unknown = [], []
    for p in meta["packages"]:
        if p["source"] is None:
            if p.get("license") != "EUPL-1.2":
                bad.append(f"{p['name']} (own crate) is not marked EUPL-1.2")
            continue
        lic = p.get("license") or ""
        if not lic:
            unknown.append(f"crate {p['name']} {p['version']}: no licence declared")
        elif not acceptable(lic):
            bad.append(f"crate {p['name']} {p['version']}: {lic}")
    # The shipped web assets, and the test-only OpenID provider (never shipped, checked all
    # the same).
    npm_pakete = 0
    for ordner in ("web", "tests/oidc-provider"):
        npm = json.loads((ROOT / ordner / "package-lock.json").read_text())
        for path, info in npm.get("packages", {}).items():
            if not path:
                continue
            npm_pakete += 1
            pkg_json = ROOT / ordner / path / "package.json"
            lic = info.get("license")
            if lic is None and pkg_json.exists():
                lic = json.loads(pkg_json.read_text()).get("license")
            if not lic:
                unknown.append(f"npm {ordner}/{path}: no licence declared")
            elif not acceptable(str(lic)):
                bad.append(f"npm {ordner}/{path}: {lic}")
    for line in bad + unknown:
        print("Lizenzproblem:", line)
    crates = sum(1 for p in meta["packages"] if p["source"] is not None)
    if bad or unknown:
        return 1
    print(f"Lizenzen geprüft: {crates} Crates, {npm_pakete} npm-Pakete, keine AGPL/GPL.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
