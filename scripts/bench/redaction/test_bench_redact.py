#!/usr/bin/env python3
"""Tests of the redaction bench (bench.py) and the secrets suite's generator; they run in a
second or two, with a fake casefile and without the peers or the network.

Run alone (`python3 scripts/bench/redaction/test_bench_redact.py`) or through
`python3 scripts/bench/test_bench.py`, which imports them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REDACTION = Path(__file__).resolve().parent
sys.path.insert(0, str(REDACTION))
sys.dont_write_bytecode = True

import bench  # noqa: E402

# A stand-in for `casefile redact FILE`: removes every `ghp_` token, keeps the rest.
FAKE_CASEFILE = """#!{python}
import re, sys
args = sys.argv[1:]
assert args[0] == "--data-dir" and args[2] == "redact", args
data = open(args[3], "rb").read()
sys.stdout.buffer.write(re.sub(rb"ghp_[A-Za-z0-9]{{36}}", b"[REDACTED]", data))
"""

TOKEN = "ghp_4Jq9ZxT2vLk8Wm3Nc7Rb1Yd6Hs0Pf5Ge2Ua9"
KEY = "AKIA4JQ9ZXT2VLK8WM3N"


def make_corpus(root: Path) -> Path:
    suite = root / "tiny"
    (suite / "cases").mkdir(parents=True)
    (suite / "cases" / "a.env").write_text(
        f"GITHUB_PAT={TOKEN}\nAWS_KEY={KEY}\nGITHUB_PAT=${{GITHUB_PAT}}\n"
    )
    (suite / "expect.json").write_text(json.dumps({
        "suite": "tiny", "min_recall": {"secret": 0.5}, "min_kept": 1.0,
        "files": [{"file": "cases/a.env",
                   "go": [{"category": "secret", "value": TOKEN, "kind": "github-pat"},
                          {"category": "secret", "value": KEY, "kind": "aws-access-key-id"}],
                   "stay": [{"category": "placeholder", "value": "${GITHUB_PAT}"}]}],
    }))
    return suite


class Scoring(unittest.TestCase):
    def test_recall_counts_values_absent_from_the_output_and_kept_counts_equal_occurrences(self):
        with tempfile.TemporaryDirectory() as tmp:
            suite = make_corpus(Path(tmp))
            expect = json.loads((suite / "expect.json").read_text())
            inputs = bench.read_inputs(suite, expect)
            out = inputs["cases/a.env"].replace(TOKEN.encode(), b"[REDACTED]")
            result = bench.score(expect, {"cases/a.env": out}, inputs)
            self.assertEqual(result["recall"], {"secret": [1, 2]})
            self.assertEqual(result["kept"], {"placeholder": [1, 1]})
            self.assertEqual(result["missed"], [f"cases/a.env: secret {KEY}"])
            touched = bench.score(expect, {"cases/a.env": out.replace(b"${GITHUB_PAT}", b"x")}, inputs)
            self.assertEqual(touched["kept"], {"placeholder": [0, 1]})

    def test_utf16_input_and_output_are_judged_as_text(self):
        with tempfile.TemporaryDirectory() as tmp:
            suite = make_corpus(Path(tmp))
            expect = json.loads((suite / "expect.json").read_text())
            inputs = bench.read_inputs(suite, expect)
            text = inputs["cases/a.env"].decode()
            wide = {"cases/a.env": "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")}
            # A tool that leaves a UTF-16 file as it is has removed nothing.
            left = bench.score(expect, wide, wide)
            self.assertEqual(left["recall"], {"secret": [0, 2]})
            self.assertEqual(left["kept"], {"placeholder": [1, 1]})

    def test_a_reporting_tool_catches_a_value_when_its_line_is_reported(self):
        with tempfile.TemporaryDirectory() as tmp:
            suite = make_corpus(Path(tmp))
            expect = json.loads((suite / "expect.json").read_text())
            inputs = bench.read_inputs(suite, expect)
            report = {"results": {"cases/a.env": [{"line_number": 2, "type": "AWS Access Key"}]}}
            lines = bench.parse_detect_secrets(report, suite)
            result = bench.score(expect, {}, inputs, lines)
            self.assertEqual(result["recall"], {"secret": [1, 2]})
            self.assertEqual(result["kept"], {"placeholder": [1, 1]})
            self.assertEqual(bench.lines_of(b"a\nbX\nX", b"X"), {2, 3})

    def test_the_table_has_a_column_per_tool_and_says_why_a_peer_did_not_run(self):
        results = {"tiny": {"casefile": {"recall": {"secret": [2, 2]}, "kept": {"placeholder": [1, 1]}},
                            "sos": "sos is not installed (Debian: apt-get install sosreport)"}}
        text = bench.table(results, ["casefile", "sos"], {"mbPerSec": 123.4, "bytes": 2e7, "seconds": 0.16})
        self.assertIn("1.000 (2/2)", text)
        self.assertIn("n/a", text)
        self.assertIn("tiny: sos did not run: sos is not installed", text)
        self.assertIn("casefile throughput: 123.4 MB/s", text)


class Run(unittest.TestCase):
    def test_the_bench_runs_a_casefile_on_every_suite_and_reports_recall_and_throughput(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            make_corpus(root / "corpus")
            fake = root / "casefile"
            fake.write_text(FAKE_CASEFILE.format(python=sys.executable))
            fake.chmod(0o755)
            out = root / "report.json"
            proc = subprocess.run(
                [sys.executable, str(REDACTION / "bench.py"), "--casefile", str(fake), "--corpus",
                 str(root / "corpus"), "--tools", "casefile", "--json", str(out), "--mb", "0.01"],
                capture_output=True, text=True, timeout=60,
            )
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            report = json.loads(out.read_text())
            self.assertEqual(report["results"]["tiny"]["casefile"]["recall"], {"secret": [1, 2]})
            self.assertGreater(report["throughput"]["mbPerSec"], 0)
            self.assertIn("0.500 (1/2)", proc.stdout)
            self.assertIn(f"cases/a.env: secret {KEY}", proc.stdout)

    def test_a_missing_casefile_is_a_tool_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            make_corpus(root / "corpus")
            proc = subprocess.run(
                [sys.executable, str(REDACTION / "bench.py"), "--casefile", str(root / "nope"), "--corpus",
                 str(root / "corpus"), "--tools", "casefile"],
                capture_output=True, text=True, timeout=60,
            )
            self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
            self.assertIn("does not exist", proc.stderr)


class Corpus(unittest.TestCase):
    def test_the_committed_secrets_suite_is_well_formed(self):
        suite = REDACTION.parents[2] / "tests" / "redaction" / "secrets"
        expect = json.loads((suite / "expect.json").read_text())
        self.assertEqual(expect["suite"], "secrets")
        self.assertIn("secret", expect["min_recall"])
        kinds = set()
        for f in expect["files"]:
            data = (suite / f["file"]).read_bytes()
            for e in f["go"] + f["stay"]:
                self.assertIn(e["value"].encode(), data, f"{f['file']}: {e['value']}")
            kinds.update(e["kind"] for e in f["go"])
        self.assertGreaterEqual(len(expect["files"]), 30)
        self.assertGreaterEqual(len(kinds), 200)
        size = sum(p.stat().st_size for p in suite.rglob("*") if p.is_file())
        self.assertLess(size, 8_000_000)


if __name__ == "__main__":
    unittest.main()
