#!/usr/bin/env python3
"""Checks a fleet test run: summary.json accounts for every endpoint, the merged bundle holds the
three healthy ones made with one key, says "3 of 5 endpoints", and no planted original survives.

    verify.py CASEFILE_BIN DIR
"""

import json
import subprocess
import sys
import zipfile
from pathlib import Path


def fail(message: str) -> None:
    print(f"fleet test: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> int:
    root = Path(sys.argv[2])
    planted = json.loads((root / "planted.json").read_text())
    bundles = root / "bundles"
    summary = json.loads((bundles / "summary.json").read_text())
    status = {h["host"]: h for h in summary["hosts"]}
    expected = {
        "wks-finance-07": "ok", "wks-finance-08": "ok", "lab-win-fake-3": "ok",
        "db-orion-fake": "failed", "edge-gone-fake": "unreachable",
    }
    for host, want in expected.items():
        got = status.get(host, {}).get("status")
        if got != want:
            fail(f"summary.json: {host} is {got}, not {want}: {summary}")
    for host in ("db-orion-fake", "edge-gone-fake"):
        if not status[host].get("reason"):
            fail(f"summary.json: {host} has no reason: {status[host]}")
    fingerprints = {h.get("keyFingerprint") for h in summary["hosts"] if h["status"] == "ok"}
    if len(fingerprints) != 1 or None in fingerprints:
        fail(f"summary.json: the healthy endpoints' key fingerprints differ: {fingerprints}")
    fetched = sorted(p.name for p in bundles.glob("*.zip") if p.name != "fleet.zip")
    if fetched != ["endpoint-001.zip", "endpoint-002.zip", "endpoint-003.zip"]:
        fail(f"the fetched bundles are not under neutral names: {fetched}")

    merged = zipfile.ZipFile(bundles / "fleet.zip")
    if merged.testzip() is not None:
        fail("the merged bundle is damaged")
    names = merged.namelist()
    folders = {n.split("/")[1] for n in names if n.startswith("endpoints/")}
    if len(folders) != 3:
        fail(f"the merged bundle has {len(folders)} endpoint folders, not 3: {sorted(folders)}")
    manifest = json.loads(merged.read("manifest.json"))
    prints = {e.get("keyFingerprint") for e in manifest["endpoints"]}
    if len(prints) != 1 or prints != fingerprints:
        fail(f"the merged endpoints' fingerprints are {prints}, the summary's {fingerprints}")
    line = manifest.get("fleet", {}).get("line", "")
    if not line.startswith("3 of 5 endpoints; 1 failed: host-") or "1 unreachable: host-" not in line:
        fail(f"the merged manifest does not account for the fleet: {line!r}")
    logs = [n for n in names if n.endswith("jcagent.log")]
    if len(logs) != 3:
        fail(f"expected three agent logs in the merged bundle, found {logs}")
    for name in names:
        data = merged.read(name).decode("utf-8", "replace")
        for original in planted["secrets"] + planted["names"] + planted["addresses"]:
            if original.lower() in data.lower() or original.lower() in name.lower():
                fail(f"{original} survives in {name} of the merged bundle")
    # The controller holds every endpoint's sealed mapping: translate reads the whole case back.
    text = "\n".join(merged.read(n).decode("utf-8", "replace") for n in logs)
    translated = subprocess.run(
        [sys.argv[1], "--data-dir", str(root / "controller" / "data"), "translate"],
        input=text, capture_output=True, text=True, check=True,
    ).stdout
    for original in planted["names"][5:] + planted["addresses"]:
        if original not in translated:
            fail(f"translate on the controller does not give {original} back:\n{translated}")
    for sealed in (bundles / "mappings").glob("*.mapping"):
        if any(o in sealed.read_text() for o in planted["names"] + planted["addresses"]):
            fail(f"{sealed.name} holds a name in clear")
    if sorted(p.name for p in (bundles / "mappings").glob("*.mapping")) != [
        "endpoint-001.mapping", "endpoint-002.mapping", "endpoint-003.mapping"
    ]:
        fail("the controller did not get the three sealed mappings")
    print(f"fleet test: ok ({line}; {len(names)} entries; translate gives the names back)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
