#!/usr/bin/env python3
"""The redaction bench (`make bench-redact`): casefile, detect-secrets and sos clean side by side
on the redaction conformance corpus (tests/redaction/<suite>/ with its expect.json).

For each tool and suite it prints recall per category of the `go` values and the share of
`stay` values kept (placeholders, references, identifiers), then casefile's throughput.

- casefile: `casefile --data-dir TMP redact FILE`, one file at a time (as the corpus test does);
  a `go` value is caught when it is absent from the output, a `stay` value is kept when it
  appears as often as in the input. Throughput: one `casefile redact` of the whole corpus
  repeated to at least --mb megabytes, wall time (process start-up included).
- detect-secrets (PyPI; installed with pip if missing, unless --no-install): `detect-secrets
  scan --all-files` on a copy of the suite; it only reports, so a `go` value counts as caught
  when a line holding it is reported, and a `stay` value as kept when none of its lines is.
- sos clean (Debian package `sosreport`; `apt-get install sosreport`): a copy of the suite is
  made into an sos report folder (a `sos_logs/` folder marks it) and cleaned with
  `sos clean --batch --tmp-dir TMP` (4.0 writes the cleaned folder into TMP); scored as
  casefile. Skipped, with the reason, when `sos` is missing.

Usage: python3 scripts/bench/redaction/bench.py [--casefile PATH] [--corpus DIR]
       [--tools casefile,detect-secrets,sos] [--json OUT] [--no-install] [--mb 20]
Exit status 2 when casefile cannot be built or run; a peer that cannot run is a line in the
table, not an error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "redaction"
TOOLS = ("casefile", "detect-secrets", "sos")


class ToolError(Exception):
    """A tool that cannot be built or run."""


def load_suites(corpus: Path) -> list[tuple[str, Path, dict]]:
    """Every suite folder with an expect.json, sorted by name."""
    suites = []
    for d in sorted(corpus.iterdir()):
        expect = d / "expect.json"
        if d.is_dir() and expect.is_file():
            suites.append((d.name, d, json.loads(expect.read_text())))
    return suites


def as_text(data: bytes | None) -> bytes | None:
    """UTF-16 (with a byte-order mark) and UTF-8 with a BOM as plain UTF-8, so that values are
    judged on the text, whatever encoding a tool left it in."""
    if data is None:
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").encode()
    return data.removeprefix(b"\xef\xbb\xbf")


def score(expect: dict, outputs: dict[str, bytes | None], inputs: dict[str, bytes],
          reported_lines: dict[str, set[int]] | None = None) -> dict:
    """Recall per category of `go` values and share kept per category of `stay` values.

    With `outputs`, a value is judged on the redacted text. With `reported_lines` (a tool that
    only reports line numbers, 1-based), a `go` value is caught when one of its lines is
    reported and a `stay` value kept when none is. A file whose output is None is skipped and
    counted in `skippedFiles`."""
    recall: dict[str, list[int]] = {}
    kept: dict[str, list[int]] = {}
    missed: list[str] = []
    touched: list[str] = []
    skipped = 0
    for f in expect.get("files", []):
        name = f["file"]
        data = as_text(inputs.get(name))
        if data is None:
            skipped += 1
            continue
        if reported_lines is None:
            out = as_text(outputs.get(name))
            if out is None:
                skipped += 1
                continue
        for e in f.get("go", []):
            value = e["value"].encode()
            tally = recall.setdefault(e["category"], [0, 0])
            tally[1] += 1
            if reported_lines is None:
                caught = value not in out
            else:
                caught = bool(lines_of(data, value) & reported_lines.get(name, set()))
            if caught:
                tally[0] += 1
            else:
                missed.append(f"{name}: {e['category']} {e['value']}")
        for e in f.get("stay", []):
            value = e["value"].encode()
            tally = kept.setdefault(e["category"], [0, 0])
            tally[1] += 1
            if reported_lines is None:
                ok = data.count(value) == out.count(value)
            else:
                ok = not (lines_of(data, value) & reported_lines.get(name, set()))
            if ok:
                tally[0] += 1
            else:
                touched.append(f"{name}: {e['category']} {e['value']}")
    return {"recall": recall, "kept": kept, "missed": missed, "touched": touched, "skippedFiles": skipped}


def lines_of(data: bytes, value: bytes) -> set[int]:
    """The 1-based line numbers where `value` occurs in `data`."""
    lines = set()
    start = data.find(value)
    while start >= 0 and value:
        lines.add(data.count(b"\n", 0, start) + 1)
        start = data.find(value, start + 1)
    return lines


def read_inputs(suite_dir: Path, expect: dict) -> dict[str, bytes]:
    out = {}
    for f in expect.get("files", []):
        path = suite_dir / f["file"]
        if path.is_file():
            out[f["file"]] = path.read_bytes()
    return out


# ---- casefile ------------------------------------------------------------------------------

def find_casefile(explicit: str | None) -> Path:
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise ToolError(f"casefile: {path} does not exist; build it with `cargo build --release -p casefile-cli`")
        return path
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("release", "debug"):
        path = target / profile / "casefile"
        if path.exists():
            return path
    proc = subprocess.run(["cargo", "build", "--release", "-p", "casefile-cli"], cwd=ROOT)
    path = target / "release" / "casefile"
    if proc.returncode != 0 or not path.exists():
        raise ToolError("casefile: `cargo build --release -p casefile-cli` failed")
    return path


def run_casefile(casefile: Path, suite_dir: Path, expect: dict, data_dir: Path) -> dict[str, bytes]:
    outputs = {}
    for f in expect.get("files", []):
        path = suite_dir / f["file"]
        proc = subprocess.run([str(casefile), "--data-dir", str(data_dir), "redact", str(path)],
                              capture_output=True)
        if proc.returncode != 0:
            raise ToolError(f"casefile redact {path} exited {proc.returncode}: "
                            f"{proc.stderr.decode(errors='replace').strip()}")
        outputs[f["file"]] = proc.stdout
    return outputs


def casefile_throughput(casefile: Path, suites, data_dir: Path, work: Path, mb: float) -> dict:
    """MB/s of one `casefile redact` over the corpus repeated to at least `mb` MB."""
    blob = b"".join(p.read_bytes() for _, d, e in suites for p in (d / f["file"] for f in e.get("files", []))
                    if p.is_file())
    if not blob:
        return {"mbPerSec": 0.0, "bytes": 0}
    copies = max(1, int(mb * 1e6 // len(blob)) + 1)
    big = work / "corpus-repeated.txt"
    big.write_bytes(blob * copies)
    size = big.stat().st_size
    times = []
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run([str(casefile), "--data-dir", str(data_dir), "redact", str(big)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise ToolError(f"casefile redact of the repeated corpus exited {proc.returncode}")
    best = min(times)
    return {"mbPerSec": size / 1e6 / best, "bytes": size, "seconds": best}


# ---- detect-secrets ------------------------------------------------------------------------

def detect_secrets_command(install: bool) -> list[str] | None:
    exe = shutil.which("detect-secrets")
    if exe:
        return [exe]
    probe = subprocess.run([sys.executable, "-c", "import detect_secrets"], capture_output=True)
    if probe.returncode != 0 and install:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "detect-secrets"], capture_output=True)
        probe = subprocess.run([sys.executable, "-c", "import detect_secrets"], capture_output=True)
    if probe.returncode != 0:
        return None
    return [sys.executable, "-m", "detect_secrets.main"]


def parse_detect_secrets(report: dict, root: Path) -> dict[str, set[int]]:
    """Line numbers per file (relative to `root`) of a `detect-secrets scan` JSON report."""
    lines: dict[str, set[int]] = {}
    for filename, results in report.get("results", {}).items():
        path = Path(filename)
        rel = path.relative_to(root) if path.is_absolute() else path
        lines.setdefault(rel.as_posix(), set()).update(r["line_number"] for r in results)
    return lines


def run_detect_secrets(cmd: list[str], suite_dir: Path, work: Path) -> dict[str, set[int]]:
    copy = work / "detect-secrets" / suite_dir.name
    shutil.copytree(suite_dir, copy)
    (copy / "expect.json").unlink()
    proc = subprocess.run(cmd + ["scan", "--all-files", "."], cwd=copy, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolError(f"detect-secrets exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return parse_detect_secrets(json.loads(proc.stdout), copy)


# ---- sos clean -----------------------------------------------------------------------------

def run_sos(suite_dir: Path, expect: dict, work: Path) -> dict[str, bytes | None]:
    """`sos clean --batch` of a copy of the suite made into an sos report folder."""
    sos = shutil.which("sos")
    if not sos:
        raise ToolError("sos is not installed (Debian: apt-get install sosreport)")
    report = work / "sos" / f"sosreport-bench-{suite_dir.name}"
    shutil.copytree(suite_dir, report)
    (report / "expect.json").unlink()
    (report / "sos_logs").mkdir()
    tmp = work / "sos" / "tmp"
    tmp.mkdir(exist_ok=True)
    proc = subprocess.run([sos, "clean", "--batch", "--tmp-dir", str(tmp), str(report)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=3600)
    if proc.returncode != 0:
        raise ToolError(f"sos clean exited {proc.returncode}: {(proc.stdout + proc.stderr).strip()[-300:]}")
    # sos 4.0 moves a cleaned folder into --tmp-dir; later versions clean it in place.
    cleaned = report if report.is_dir() else tmp / report.name
    outputs: dict[str, bytes | None] = {}
    for f in expect.get("files", []):
        path = cleaned / f["file"]
        outputs[f["file"]] = path.read_bytes() if path.is_file() else None
    return outputs


# ---- report --------------------------------------------------------------------------------

def share(tally: list[int] | None) -> str:
    if not tally or tally[1] == 0:
        return "-"
    return f"{tally[0] / tally[1]:.3f} ({tally[0]}/{tally[1]})"


def table(results: dict, tools: list[str], throughput: dict | None) -> str:
    """The side-by-side table: per suite, a row per `go` category (recall) and per `stay`
    category (kept), a column per tool; a tool that could not run shows its reason."""
    lines = []
    header = ["suite", "measure", "category"] + tools
    rows = []
    for suite, per_tool in results.items():
        cats_go = sorted({c for t in per_tool.values() if isinstance(t, dict) for c in t["recall"]})
        cats_stay = sorted({c for t in per_tool.values() if isinstance(t, dict) for c in t["kept"]})
        for measure, cats, key in (("recall", cats_go, "recall"), ("kept", cats_stay, "kept")):
            for c in cats:
                row = [suite, measure, c]
                for tool in tools:
                    r = per_tool.get(tool)
                    row.append(share(r[key].get(c)) if isinstance(r, dict) else "n/a")
                rows.append(row)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    fmt = " | ".join("{:<%d}" % w for w in widths)
    lines.append(fmt.format(*header))
    lines.append("-+-".join("-" * w for w in widths))
    for row in rows:
        lines.append(fmt.format(*row))
    for suite, per_tool in results.items():
        for tool in tools:
            r = per_tool.get(tool)
            if isinstance(r, str):
                lines.append(f"{suite}: {tool} did not run: {r}")
    if throughput:
        lines.append(f"casefile throughput: {throughput['mbPerSec']:.1f} MB/s "
                     f"({throughput['bytes'] / 1e6:.1f} MB in {throughput['seconds']:.2f} s, one process)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--casefile", help="the casefile binary (default: target/release or debug, built if missing)")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--no-install", action="store_true", help="never pip-install detect-secrets")
    ap.add_argument("--mb", type=float, default=20.0, help="size of the throughput run")
    ap.add_argument("--misses", type=int, default=10, help="missed values listed per suite and tool")
    args = ap.parse_args(argv)
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        ap.error(f"unknown tools {sorted(unknown)}; choose from {', '.join(TOOLS)}")
    suites = load_suites(args.corpus)
    if not suites:
        print(f"no suite with an expect.json under {args.corpus}", file=sys.stderr)
        return 2
    results: dict[str, dict] = {name: {} for name, _, _ in suites}
    throughput = None
    with tempfile.TemporaryDirectory(prefix="bench-redact-") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        casefile = None
        if "casefile" in tools:
            try:
                casefile = find_casefile(args.casefile)
            except ToolError as e:
                print(e, file=sys.stderr)
                return 2
        ds_cmd = detect_secrets_command(not args.no_install) if "detect-secrets" in tools else None
        for name, d, expect in suites:
            inputs = read_inputs(d, expect)
            for tool in tools:
                try:
                    if tool == "casefile":
                        assert casefile is not None
                        results[name][tool] = score(expect, run_casefile(casefile, d, expect, data_dir), inputs)
                    elif tool == "detect-secrets":
                        if ds_cmd is None:
                            raise ToolError("detect-secrets is not installed (pip install detect-secrets)")
                        results[name][tool] = score(expect, {}, inputs, run_detect_secrets(ds_cmd, d, work))
                    else:
                        results[name][tool] = score(expect, run_sos(d, expect, work), inputs)
                except ToolError as e:
                    if tool == "casefile":
                        print(e, file=sys.stderr)
                        return 2
                    results[name][tool] = str(e)
                except (OSError, subprocess.SubprocessError, ValueError) as e:
                    if tool == "casefile":
                        print(f"casefile: {e}", file=sys.stderr)
                        return 2
                    results[name][tool] = f"{type(e).__name__}: {e}"
        if casefile is not None:
            throughput = casefile_throughput(casefile, suites, data_dir, work, args.mb)
    print(table(results, tools, throughput))
    for suite, per_tool in results.items():
        r = per_tool.get("casefile")
        if isinstance(r, dict) and (r["missed"] or r["touched"]):
            print(f"\n{suite}: casefile missed {len(r['missed'])}, touched {len(r['touched'])}; first ones:")
            for line in (r["missed"][: args.misses] + r["touched"][: args.misses]):
                print(f"  {line}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "throughput": throughput}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
