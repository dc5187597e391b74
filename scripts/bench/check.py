#!/usr/bin/env python3
"""Checks a bundle against a generator key: what planted value survived, what decoy was touched.

    check.py KEY.json BUNDLE.zip [--json OUT.json]

Every entry of the zip is read with Python's zipfile (gzip members are decompressed, so a `.gz`
stored as-is is still searched) and concatenated, one newline between entries, into a scratch
file next to the bundle; GNU grep -F (Aho-Corasick-like, fast on a GB) finds the planted values,
and Python checks each hit's word boundaries against the same rules the redactor promises:

- secret: exact bytes, anywhere (a secret fragment inside a longer word still leaks);
- email, ipv6, mac: ASCII case-insensitive, not inside a longer address;
- ipv4: exact, not inside a longer dotted number (`110.1.2.3`, `10.1.2.3.4`);
- hostname, username, keyword: ASCII case-insensitive, whole words: no letter, digit, `_` or
  `-` on either side (so the decoy `wks-finance-07x` is not a hit for `wks-finance-07`).

Recall per category = planted values never found / planted values. Decoys are counted exactly
(case-sensitive, chunked `bytes.count`) and compared with the key's counts.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import mmap
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
DIGITS = frozenset(b"0123456789")
HEX = frozenset(b"0123456789abcdefABCDEF")
EMAIL_LOCAL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
EMAIL_DOMAIN = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")

CASE_INSENSITIVE = {"email", "ipv6", "mac", "hostname", "username", "keyword"}


def _byte(buf, i: int) -> int | None:
    return buf[i] if 0 <= i < len(buf) else None


def _followed_by(buf, i: int, sep: bytes, cls) -> bool:
    """Whether buf[i] is `sep` and buf[i+1] is in cls."""
    a, b = _byte(buf, i), _byte(buf, i + 1)
    return a is not None and a in sep and b is not None and b in cls


def boundary_ok(cat: str, buf, start: int, end: int) -> bool:
    """Whether the hit buf[start:end] is a whole value of its category (see the module doc)."""
    before, after = _byte(buf, start - 1), _byte(buf, end)
    if cat == "secret":
        return True
    if cat in ("hostname", "username", "keyword"):
        return (before is None or before not in WORD) and (after is None or after not in WORD)
    if cat == "ipv4":
        if before is not None and (before in DIGITS or before == ord(".")):
            return False
        if after is not None and after in DIGITS:
            return False
        return not _followed_by(buf, end, b".", DIGITS)
    if cat == "ipv6":
        if before is not None and (before in HEX or before == ord(":")):
            return False
        if after is not None and after in HEX:
            return False
        return not _followed_by(buf, end, b":", HEX)
    if cat == "mac":
        if before is not None and (before in HEX or before in b":-"):
            return False
        if after is not None and after in HEX:
            return False
        return not _followed_by(buf, end, b":-", HEX)
    if cat == "email":
        return (before is None or before not in EMAIL_LOCAL) and (after is None or after not in EMAIL_DOMAIN)
    raise ValueError(f"unknown category {cat!r}")


def extract(bundle: Path, scratch) -> tuple[list[int], list[str], int]:
    """Every entry's bytes (gunzipped when gzip), one newline apart, into `scratch`."""
    starts: list[int] = []
    names: list[str] = []
    pos = 0
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            starts.append(pos)
            names.append(info.filename)
            with zf.open(info) as raw:
                head = raw.read(2)
            with zf.open(info) as raw:
                src = gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    scratch.write(chunk)
                    pos += len(chunk)
            scratch.write(b"\n")
            pos += 1
    scratch.flush()
    return starts, names, pos


def grep_hits(path: str, needles: list[str], insensitive: bool) -> list[tuple[int, bytes]]:
    """(offset, matched bytes) for every non-overlapping leftmost-longest match of the needles."""
    if not needles:
        return []
    with tempfile.NamedTemporaryFile("wb", suffix=".needles") as nf:
        nf.write(b"\n".join(n.encode() for n in needles) + b"\n")
        nf.flush()
        cmd = ["grep", "-a", "-F", "-o", "-b", "-f", nf.name, path]
        if insensitive:
            cmd.insert(1, "-i")
        env = dict(os.environ, LC_ALL="C")
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"grep failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    hits = []
    for line in proc.stdout.split(b"\n"):
        if not line:
            continue
        off, _, text = line.partition(b":")
        hits.append((int(off), text))
    return hits


def count_decoys(path: str, decoys: list[str]) -> dict[str, int]:
    """Exact, case-sensitive counts; chunks end at a newline and no decoy spans one."""
    needles = [d.encode() for d in decoys]
    counts = dict.fromkeys(decoys, 0)
    carry = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(64 << 20)
            if not chunk:
                break
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            body, carry = data[:cut], data[cut:]
            for d, n in zip(decoys, needles):
                counts[d] += body.count(n)
    for d, n in zip(decoys, needles):
        counts[d] += carry.count(n)
    return counts


def check(key: dict, bundle: Path, scratch_dir: Path | None = None) -> dict:
    bundle = Path(bundle)
    scratch_dir = Path(scratch_dir) if scratch_dir else bundle.parent
    fd, scratch_path = tempfile.mkstemp(prefix=".check-", suffix=".txt", dir=scratch_dir)
    try:
        with os.fdopen(fd, "wb") as scratch:
            starts, names, total = extract(bundle, scratch)
        result = {"bundle": str(bundle), "entries": len(names), "bytesChecked": total,
                  "recall": {}, "secretForms": {}, "decoys": [], "decoysTouched": 0}
        found_values: dict[str, dict[str, dict]] = {}
        with open(scratch_path, "rb") as f:
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if total else b""
            try:
                for cat, values in key["planted"].items():
                    insensitive = cat in CASE_INSENSITIVE
                    norm = (lambda s: s.lower()) if insensitive else (lambda s: s)
                    by_norm: dict[str, list[str]] = {}
                    for v in values:
                        by_norm.setdefault(norm(v), []).append(v)
                    hits = grep_hits(scratch_path, sorted(by_norm), insensitive)
                    found: dict[str, dict] = {}
                    for off, text in hits:
                        if not boundary_ok(cat, buf, off, off + len(text)):
                            continue
                        t = text.decode("utf-8", errors="replace")
                        for v in by_norm.get(norm(t), []):
                            rec = found.setdefault(v, {"count": 0, "entries": [], "context": None})
                            rec["count"] += 1
                            entry = names[bisect.bisect_right(starts, off) - 1]
                            if entry not in rec["entries"] and len(rec["entries"]) < 3:
                                rec["entries"].append(entry)
                            if rec["context"] is None:
                                lo, hi = max(0, off - 60), min(len(buf), off + len(text) + 60)
                                rec["context"] = bytes(buf[lo:hi]).decode("utf-8", errors="replace")
                    found_values[cat] = found
                    planted = len(values)
                    result["recall"][cat] = {
                        "planted": planted, "removed": planted - len(found),
                        "leaked": len(found), "recall": (planted - len(found)) / planted if planted else None,
                        "leakedValues": {v: found[v] for v in sorted(found)[:20]},
                    }
            finally:
                if total:
                    buf.close()
        for form, values in key.get("secret_forms", {}).items():
            leaked = [v for v in values if v in found_values.get("secret", {})]
            result["secretForms"][form] = {
                "planted": len(values), "leaked": len(leaked),
                "recall": (len(values) - len(leaked)) / len(values) if values else None}
        expected = {d["text"]: d["count"] for d in key["decoys"]}
        counts = count_decoys(scratch_path, list(expected))
        for text, want in expected.items():
            ok = counts[text] == want
            result["decoys"].append({"text": text, "expected": want, "found": counts[text], "ok": ok})
            result["decoysTouched"] += 0 if ok else 1
        return result
    finally:
        os.unlink(scratch_path)


def render(result: dict, samples: bool = True) -> str:
    """A readable summary of check()'s result; `samples` adds a few leaked values with context."""
    out = [f"bundle {result['bundle']}: {result['entries']} entries, "
           f"{result['bytesChecked'] / 1e6:.1f} MB checked"]
    out.append(f"  {'category':<10} {'planted':>8} {'leaked':>7} {'recall':>8}")
    for cat, r in result["recall"].items():
        rec = "-" if r["recall"] is None else f"{100 * r['recall']:.1f}%"
        out.append(f"  {cat:<10} {r['planted']:>8} {r['leaked']:>7} {rec:>8}")
    weak = [(f, r) for f, r in result["secretForms"].items() if r["leaked"]]
    if weak:
        out.append("  secret forms with leaks: " + ", ".join(
            f"{f} {r['leaked']}/{r['planted']}" for f, r in weak))
    for cat, r in result["recall"].items():
        for value, rec in list(r["leakedValues"].items())[:3 if samples else 0]:
            out.append(f"    leaked {cat} {value!r} x{rec['count']} in {', '.join(rec['entries'])}")
            out.append(f"      ...{rec['context']!r}...")
    touched = [d for d in result["decoys"] if not d["ok"]]
    out.append(f"  decoys touched: {len(touched)} of {len(result['decoys'])}")
    for d in touched:
        out.append(f"    {d['text']!r}: expected {d['expected']}, found {d['found']}")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("key", type=Path)
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--json", type=Path, help="also write the result as JSON here")
    args = ap.parse_args(argv)
    result = check(json.loads(args.key.read_text()), args.bundle)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
