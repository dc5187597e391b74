#!/usr/bin/env python3
"""The Casefile benchmark: Info-ZIP against `casefile collect` on synthetic log trees.

    run.py [--sizes 100,1024] [--runs 5] [--keep] [--only-zip] [--work DIR] [--seed N]

For each size: generate the tree with gen.py (reused when its key says the same size and seed),
warm the page cache, then alternate A/B runs, each under /usr/bin/time:
  A: zip -r -6 -q OUT.zip .        (inside the tree)
  B: casefile --data-dir WORK/data collect --profile generic --no-snapshot --add TREE
         --keyword bluefalcon -o OUT.zip --json
Print MB/s (input bytes on disk / wall, MB = 10^6 bytes), bundle sizes and peak RSS, then check
the last casefile bundle against the key with check.py: recall per category, decoys touched,
and casefile's own `leaks`. The report is also written to WORK/report-<size>.json.

Exit status: 0 when every tool ran (missed targets are figures, not failures), 2 when a tool
could not be built or run, 1 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # keep scripts/bench free of __pycache__

import check  # noqa: E402
import gen  # noqa: E402

TIME = "/usr/bin/time"


class ToolError(Exception):
    """A tool could not be built or run: the benchmark has no figure to report."""


def tree_files(tree: Path) -> list[Path]:
    return [Path(d) / f for d, _, fs in os.walk(tree) for f in fs]


def ensure_tree(work: Path, size: float, seed: int) -> tuple[Path, dict, dict]:
    tree = work / f"tree-{size:g}"
    keyfile = gen.key_path(tree)
    if keyfile.exists() and tree.is_dir():
        try:
            key = json.loads(keyfile.read_text())
        except ValueError:
            key = {}
        if key.get("size_mb") == size and key.get("seed") == seed and key.get("generator") == 1:
            return tree, key, {"reused": True}
    if tree.exists():
        shutil.rmtree(tree)
    keyfile.unlink(missing_ok=True)
    print(f"generating {size:g} MiB tree in {tree} ...", file=sys.stderr, flush=True)
    start = time.monotonic()
    key = gen.generate(size, tree, seed)
    secs = time.monotonic() - start
    info = {"reused": False, "seconds": round(secs, 2), "mbPerSec": round(key["bytes"] / 1e6 / secs, 1)}
    print(f"  {key['files']} files, {key['bytes'] / 1e6:.1f} MB in {secs:.1f} s "
          f"({info['mbPerSec']} MB/s)", file=sys.stderr, flush=True)
    return tree, key, info


def warm(tree: Path) -> float:
    """Read every file once (page cache), then once more timed: the read floor in MB/s."""
    files = tree_files(tree)
    for _ in range(2):
        start = time.monotonic()
        total = 0
        for path in files:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    total += len(chunk)
        secs = time.monotonic() - start
    return total / 1e6 / secs


def build_casefile() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    if not target.is_absolute():
        target = REPO / target
    print("building casefile (cargo build --release -p casefile-cli --locked) ...",
          file=sys.stderr, flush=True)
    proc = subprocess.run(["cargo", "build", "--release", "-p", "casefile-cli", "--locked"], cwd=REPO)
    if proc.returncode != 0:
        raise ToolError(f"cargo build failed with status {proc.returncode}")
    binary = target / "release" / "casefile"
    if not binary.exists():
        raise ToolError(f"cargo build succeeded but {binary} is missing")
    probe = subprocess.run([str(binary), "collect", "--help"], capture_output=True)
    if probe.returncode != 0:
        raise ToolError(f"{binary} has no working `collect` subcommand yet "
                        f"({probe.stderr.decode(errors='replace').strip()[:200]}); "
                        "run with --only-zip for the Info-ZIP baseline")
    return binary


def timed(cmd: list[str], cwd: Path, timefile: Path, stdout_path: Path) -> tuple[int, float, int]:
    """Run cmd under /usr/bin/time; (exit status, wall seconds, peak RSS KB)."""
    timefile.unlink(missing_ok=True)
    with open(stdout_path, "wb") as out:
        proc = subprocess.run([TIME, "-o", str(timefile), "-f", "%e %M"] + cmd, cwd=cwd,
                              stdout=out, stderr=subprocess.PIPE)
    try:
        wall, rss = timefile.read_text().strip().splitlines()[-1].split()
        return proc.returncode, float(wall), int(rss)
    except (OSError, ValueError, IndexError) as e:
        raise ToolError(f"{' '.join(cmd[:3])} ...: could not read {timefile} ({e}); "
                        f"stderr: {proc.stderr.decode(errors='replace')[-500:]}") from e


def run_zip(tree: Path, out: Path, scratch: Path) -> dict:
    out.unlink(missing_ok=True)
    status, wall, rss = timed(["zip", "-r", "-6", "-q", str(out), "."], tree,
                              scratch / "time.txt", scratch / "zip.out")
    if status != 0 or not out.exists():
        raise ToolError(f"zip exited with status {status}: {(scratch / 'zip.out').read_text()[-500:]}")
    return {"wall": wall, "rssKb": rss, "bundleBytes": out.stat().st_size}


def run_casefile(binary: Path, work: Path, tree: Path, out: Path, scratch: Path) -> dict:
    out.unlink(missing_ok=True)
    cmd = [str(binary), "--data-dir", str(work / "data"), "collect", "--profile", "generic",
           "--no-snapshot", "--add", str(tree), "--keyword", "bluefalcon", "-o", str(out), "--json"]
    stdout = scratch / "casefile.json"
    status, wall, rss = timed(cmd, work, scratch / "time.txt", stdout)
    try:
        summary = json.loads(stdout.read_text())
    except ValueError as e:
        raise ToolError(f"casefile exited with status {status} and no JSON on stdout ({e}): "
                        f"{stdout.read_text()[-500:]}") from e
    bundle = out if out.exists() else Path(str(summary.get("bundle") or out))
    if not bundle.exists():
        raise ToolError(f"casefile exited with status {status} and wrote no {out}")
    return {"wall": wall, "rssKb": rss, "bundleBytes": bundle.stat().st_size, "status": status,
            "summary": summary, "path": bundle}


def stats(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def bench_size(args, size: float, runs: int, binary: Path | None) -> dict:
    work = args.work
    tree, key, gen_info = ensure_tree(work, size, args.seed)
    out_dir = work / f"out-{size:g}"
    out_dir.mkdir(parents=True, exist_ok=True)
    floor = warm(tree)
    input_bytes = key["bytes"]
    results: dict[str, list[dict]] = {"zip": [], "casefile": []}
    tools = ["zip"] if binary is None else ["zip", "casefile"]
    for i in range(runs):
        for tool in tools:
            out = out_dir / f"{tool}-{i}.zip"
            print(f"  {size:g} MiB run {i + 1}/{runs}: {tool} ...", file=sys.stderr, flush=True)
            if tool == "zip":
                r = run_zip(tree, out, out_dir)
            else:
                r = run_casefile(binary, work, tree, out, out_dir)
            r["mbPerSec"] = input_bytes / 1e6 / r["wall"] if r["wall"] > 0 else float("inf")
            bundle = r.pop("path", out)
            r["bundle"] = str(bundle)
            results[tool].append(r)
            if i + 1 < runs and not args.keep:
                bundle.unlink()
    report = {
        "sizeMb": size, "tree": str(tree), "inputBytes": input_bytes, "files": key["files"],
        "generator": gen_info, "readFloorMbPerSec": round(floor, 1), "runs": runs, "tools": {},
    }
    for tool, rs in results.items():
        if not rs:
            continue
        report["tools"][tool] = {
            "mbPerSec": stats([r["mbPerSec"] for r in rs]),
            "wallSeconds": stats([r["wall"] for r in rs]),
            "peakRssMb": stats([r["rssKb"] / 1024 for r in rs]),
            "bundleBytes": rs[-1]["bundleBytes"],
            "lastBundle": rs[-1]["bundle"],
        }
    if "casefile" in report["tools"]:
        z, c = report["tools"]["zip"], report["tools"]["casefile"]
        report["speedRatio"] = c["mbPerSec"]["median"] / z["mbPerSec"]["median"]
        report["sizeOverZipPercent"] = 100.0 * (c["bundleBytes"] / z["bundleBytes"] - 1)
        summary = results["casefile"][-1]["summary"]
        entries = summary.get("entries")
        skipped = summary.get("skipped") or []
        reasons: dict[str, int] = {}
        for item in skipped:
            reason = item.get("reason") if isinstance(item, dict) else None
            reason = reason if isinstance(reason, str) else json.dumps(reason)
            reasons[reason] = reasons.get(reason, 0) + 1
        report["casefile"] = {
            "exitStatus": results["casefile"][-1]["status"],
            "inputBytes": summary.get("inputBytes"), "bundleBytes": summary.get("bundleBytes"),
            "entries": len(entries) if isinstance(entries, list) else entries,
            "redactions": summary.get("redactions"),
            "skipped": len(skipped), "skippedByReason": reasons, "skippedSample": skipped[:5],
            "leakCount": len(summary.get("leaks") or []), "leaks": (summary.get("leaks") or [])[:50],
        }
        print("  checking the last casefile bundle ...", file=sys.stderr, flush=True)
        report["check"] = check.check(key, Path(c["lastBundle"]))
    elif args.check_zip:
        # Without casefile, check the unredacted Info-ZIP bundle: it shows the checker at this
        # size finds everything (recall 0%) and counts every decoy (none touched).
        print("  checking the Info-ZIP bundle (unredacted: expect recall 0%) ...", file=sys.stderr, flush=True)
        start = time.monotonic()
        report["checkZip"] = check.check(key, Path(report["tools"]["zip"]["lastBundle"]))
        report["checkZip"]["seconds"] = round(time.monotonic() - start, 1)
    return report


def fmt3(s: dict, digits: int = 1) -> str:
    return f"{s['min']:.{digits}f} / {s['median']:.{digits}f} / {s['max']:.{digits}f}"


def render(report: dict) -> str:
    g = report["generator"]
    made = "reused" if g.get("reused") else f"generated in {g['seconds']} s, {g['mbPerSec']} MB/s"
    lines = [f"== {report['sizeMb']:g} MiB tree: {report['files']} files, "
             f"{report['inputBytes'] / 1e6:.1f} MB ({made}); read floor {report['readFloorMbPerSec']} MB/s; "
             f"{report['runs']} runs each, A/B alternated =="]
    lines.append(f"{'tool':<12} {'MB/s min / median / max':>26} {'bundle MB':>10} {'vs zip':>8} "
                 f"{'peak RSS MB min / median / max':>31}")
    zip_bytes = report["tools"]["zip"]["bundleBytes"]
    names = {"zip": "Info-ZIP -6", "casefile": "casefile"}
    for tool, t in report["tools"].items():
        over = 100.0 * (t["bundleBytes"] / zip_bytes - 1)
        lines.append(f"{names[tool]:<12} {fmt3(t['mbPerSec']):>26} {t['bundleBytes'] / 1e6:>10.1f} "
                     f"{over:>+7.1f}% {fmt3(t['peakRssMb']):>31}")
    lines.append(f"Info-ZIP deflate ratio: {report['inputBytes'] / zip_bytes:.2f}x")
    if "speedRatio" in report:
        lines.append(f"ratio of medians (casefile / Info-ZIP): {report['speedRatio']:.2f}x; "
                     f"casefile bundle {report['sizeOverZipPercent']:+.1f}% over Info-ZIP's")
        cf = report["casefile"]
        lines.append(f"casefile: exit {cf['exitStatus']}, inputBytes {cf['inputBytes']}, "
                     f"entries {cf['entries']}, redactions {json.dumps(cf['redactions'])}")
        lines.append(f"casefile skipped {cf['skipped']} item(s)"
                     + (f" by reason {json.dumps(cf['skippedByReason'])}, e.g. {json.dumps(cf['skippedSample'][:2])}"
                        if cf["skipped"] else ""))
        lines.append(f"casefile leaks: {cf['leakCount']}"
                     + (f", e.g. {json.dumps(cf['leaks'][:5])}" if cf["leakCount"] else " (empty, as required)"))
        lines.append(check.render(report["check"]))
    if "checkZip" in report:
        lines.append(f"checker on the unredacted Info-ZIP bundle ({report['checkZip']['seconds']} s):")
        lines.append(check.render(report["checkZip"], samples=False))
    return "\n".join(lines)


def parse_list(text: str, kind, what: str) -> list:
    try:
        values = [kind(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SystemExit(f"run.py: {what} must be a comma-separated list of numbers, got {text!r}")
    if not values or any(v <= 0 for v in values):
        raise SystemExit(f"run.py: {what} must be positive numbers, got {text!r}")
    return values


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1024", help="tree sizes in MiB (default 100,1024)")
    ap.add_argument("--runs", default="5",
                    help="runs per tool: one number for every size, or one per size, e.g. 5,3 (default 5)")
    ap.add_argument("--keep", action="store_true", help="keep every run's bundle, not only the last")
    ap.add_argument("--only-zip", action="store_true", help="the Info-ZIP baseline only (no cargo build)")
    ap.add_argument("--no-check-zip", dest="check_zip", action="store_false",
                    help="with --only-zip, skip checking the unredacted Info-ZIP bundle")
    ap.add_argument("--casefile", type=Path, help="use this casefile binary instead of building one")
    ap.add_argument("--work", type=Path, default=Path("/tmp/casefile-bench"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    sizes = parse_list(args.sizes, float, "--sizes")
    runs = parse_list(args.runs, int, "--runs")
    if len(runs) == 1:
        runs = runs * len(sizes)
    elif len(runs) < len(sizes):
        runs = runs + [runs[-1]] * (len(sizes) - len(runs))
    args.work.mkdir(parents=True, exist_ok=True)
    for tool in ("zip", TIME, "grep"):
        if not shutil.which(tool):
            print(f"run.py: {tool} is missing (apt-get install zip time grep)", file=sys.stderr)
            return 2
    try:
        binary = None
        if not args.only_zip:
            binary = args.casefile.resolve() if args.casefile else build_casefile()
        for size, n in zip(sizes, runs):
            report = bench_size(args, size, n, binary)
            text = render(report)
            print(text, flush=True)
            print(flush=True)
            path = args.work / f"report-{size:g}.json"
            path.write_text(json.dumps(report, indent=1) + "\n")
            print(f"(written to {path})\n", flush=True)
    except ToolError as e:
        print(f"run.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
