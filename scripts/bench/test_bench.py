#!/usr/bin/env python3
"""Tests of the benchmark's generator, checker and runner (python3 scripts/bench/test_bench.py).

They run on trees of a few MiB, so the whole file takes seconds. The checker is tested against
zips made here with a fake redaction (a regex pass that rewrites the planted values), to show it
catches one leaked value and one touched decoy, and passes a clean bundle.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # keep scripts/bench free of __pycache__

import check  # noqa: E402
import gen  # noqa: E402

SIZE_MB = 3

# A stand-in for `casefile collect`: the fake redaction, sparing one username, and the JSON
# the contract promises.
FAKE_CASEFILE = """#!{python}
import json, sys
sys.dont_write_bytecode = True
sys.path.insert(0, {here!r})
from pathlib import Path
import gen, test_bench
args = sys.argv[1:]
assert "collect" in args and "--json" in args and "--no-snapshot" in args, args
tree = Path(args[args.index("--add") + 1])
out = Path(args[args.index("-o") + 1])
key = json.loads(gen.key_path(tree).read_text())
texts = test_bench.read_tree(tree)
redacted = test_bench.fake_redact(texts, key, spare=key["planted"]["username"][0])
test_bench.write_zip(out, redacted)
print(json.dumps({{"bundle": str(out), "inputBytes": sum(map(len, texts.values())),
                  "bundleBytes": out.stat().st_size, "entries": [{{"name": n}} for n in sorted(texts)],
                  "redactions": {{"secret": 1}}, "skipped": [{{"path": "x.bin", "reason": "binary"}}],
                  "leaks": []}}))
"""


def read_tree(tree: Path) -> dict[str, bytes]:
    """Every file's text (gunzipped), by relative path."""
    out = {}
    for d, _, files in os.walk(tree):
        for f in files:
            p = Path(d) / f
            data = p.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            out[str(p.relative_to(tree))] = data
    return out


def digest(tree: Path) -> str:
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(tree)):
        dirs.sort()
        for f in sorted(files):
            p = Path(d) / f
            h.update(str(p.relative_to(tree)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def fake_redact(texts: dict[str, bytes], key: dict, spare: str | None = None) -> dict[str, bytes]:
    """Rewrite every planted value except `spare`, with the checker's own boundary rules."""
    def alternation(values):
        return b"|".join(re.escape(v.encode()) for v in sorted(set(values), key=len, reverse=True)
                         if v != spare)
    p = key["planted"]
    word = rb"A-Za-z0-9_\-"
    rules = [
        (re.compile(alternation(p["secret"])), b"[REDACTED]"),
        (re.compile(rb"(?<![A-Za-z0-9._%+\-])(?:" + alternation(p["email"]) + rb")(?![A-Za-z0-9\-])", re.I),
         b"email-00000000@redacted.invalid"),
        (re.compile(rb"(?<![0-9A-Fa-f:])(?:" + alternation(p["ipv6"]) + rb")(?![0-9A-Fa-f])(?!:[0-9A-Fa-f])", re.I),
         b"2001:db8::dead"),
        (re.compile(rb"(?<![0-9A-Fa-f:\-])(?:" + alternation(p["mac"]) + rb")(?![0-9A-Fa-f])(?![:\-][0-9A-Fa-f])", re.I),
         b"02:00:00:00:00:01"),
        (re.compile(rb"(?<![0-9.])(?:" + alternation(p["ipv4"]) + rb")(?![0-9])(?!\.[0-9])"), b"240.0.0.1"),
    ]
    for cat, token in [("hostname", b"host-0000"), ("username", b"user-0000"), ("keyword", b"word-0000")]:
        alts = alternation(p[cat])
        if alts:
            rules.append((re.compile(rb"(?<![" + word + rb"])(?:" + alts + rb")(?![" + word + rb"])", re.I), token))
    out = {}
    for name, data in texts.items():
        for rx, token in rules:
            data = rx.sub(token, data)
        out[name] = data
    return out


def write_zip(path: Path, texts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(texts):
            zf.writestr(name, texts[name])


class Generated(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="bench-test-"))
        cls.tree = cls.tmp / "tree"
        cls.key = gen.generate(SIZE_MB, cls.tree, seed=7)
        cls.texts = read_tree(cls.tree)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    # ---- the generator ----
    def test_same_seed_and_size_give_a_byte_identical_tree_and_key(self):
        again = self.tmp / "again"
        key = gen.generate(SIZE_MB, again, seed=7)
        self.assertEqual(digest(self.tree), digest(again))
        self.assertEqual(key, self.key)
        other = self.tmp / "other"
        gen.generate(SIZE_MB, other, seed=8)
        self.assertNotEqual(digest(self.tree), digest(other))

    def test_key_sits_outside_the_tree_and_counts_its_files_and_bytes(self):
        keyfile = gen.key_path(self.tree)
        self.assertTrue(keyfile.exists())
        self.assertNotIn(self.tree, keyfile.parents)
        sizes = [(Path(d) / f).stat().st_size for d, _, fs in os.walk(self.tree) for f in fs]
        self.assertEqual(self.key["files"], len(sizes))
        self.assertEqual(self.key["bytes"], sum(sizes))
        self.assertLess(abs(self.key["bytes"] - SIZE_MB * gen.MIB), 0.25 * SIZE_MB * gen.MIB)

    def test_tree_has_rotated_gzip_logs_and_many_small_files(self):
        for k in (2, 3, 4, 5):
            raw = (self.tree / f"var/log/jcagent.log.{k}.gz").read_bytes()
            self.assertEqual(raw[:2], b"\x1f\x8b")
        for rel in ("var/log/jcagent.log", "var/log/jcagent.log.1", "var/log/syslog", "var/log/auth.log",
                    "app/events.jsonl", "var/log/nginx/access.log", "etc/app/config.yaml"):
            self.assertIn(rel, self.texts)
        small = [n for n in self.texts if n.startswith("var/spool/jobs/")]
        self.assertGreater(len(small), 100)

    def test_every_planted_value_occurs_in_the_tree(self):
        blob = b"\n".join(self.texts.values())
        lower = blob.lower()
        for cat, values in self.key["planted"].items():
            self.assertTrue(values, cat)
            for v in values:
                hay = lower if cat in check.CASE_INSENSITIVE else blob
                needle = v.lower() if cat in check.CASE_INSENSITIVE else v
                self.assertIn(needle.encode(), hay, f"{cat} {v!r} is in the key but not in the tree")

    def test_every_secret_form_is_planted_and_every_secret_looks_fake(self):
        for form in gen.SECRET_FORMS:
            self.assertTrue(self.key["secret_forms"][form], form)
        for v in self.key["planted"]["secret"]:
            self.assertIn("FAKE", v)
        self.assertEqual(sorted({v for vs in self.key["secret_forms"].values() for v in vs}),
                         self.key["planted"]["secret"])

    def test_decoy_counts_are_the_exact_occurrences_written(self):
        for d in self.key["decoys"]:
            written = sum(t.count(d["text"].encode()) for t in self.texts.values())
            self.assertEqual(written, d["count"], d["text"])
            self.assertGreater(d["count"], 0, d["text"])

    def test_every_name_is_planted_in_a_learning_position_and_in_free_text(self):
        blob = b"\n".join(self.texts.values()).decode()
        for host in self.key["planted"]["hostname"]:
            h = re.escape(host)
            learning = [rf"(?m)^\w{{3}} [ \d]\d \d\d:\d\d:\d\d {h} \S+:", rf"hostname={h}\b",
                        rf'"hostname": "{h}"', rf'"host":"{h}"']
            self.assertTrue(any(re.search(rx, blob) for rx in learning), host)
            self.assertTrue(re.search(rf"(connected to|on|//|rsync to|for) {h}(\b|\.)", blob, re.I) or
                            re.search(rf"Server={h};", blob), f"{host} has no free-text occurrence")
        for user in self.key["planted"]["username"]:
            u = re.escape(user)
            learning = [rf"user={u}\b", rf'"username": "{u}"', rf"Accepted publickey for {u} from",
                        rf"/home/{u}/", rf"CORP\\{u}\b", rf'"user":"{u}"']
            self.assertTrue(any(re.search(rx, blob) for rx in learning), user)
            self.assertTrue(re.search(rf"{u} logged out|account {u} |User {u}\.", blob), user)
        self.assertTrue(re.search(r"\b[A-Z0-9]+(-[A-Z0-9]+)+\.corp\.example", blob), "no upper-cased hostname")

    # ---- the checker ----
    def check(self, texts, name):
        path = self.tmp / name
        write_zip(path, texts)
        return check.check(self.key, path)

    def test_checker_finds_every_planted_value_in_an_unredacted_zip_with_gz_entries(self):
        path = self.tmp / "raw.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for d, _, files in os.walk(self.tree):
                for f in files:
                    p = Path(d) / f
                    zf.write(p, str(p.relative_to(self.tree)))
        result = check.check(self.key, path)
        for cat, r in result["recall"].items():
            self.assertEqual(r["leaked"], r["planted"], cat)
            self.assertEqual(r["recall"], 0.0, cat)
        self.assertEqual(result["decoysTouched"], 0)

    def test_checker_passes_a_clean_fake_redaction(self):
        result = self.check(fake_redact(self.texts, self.key), "clean.zip")
        for cat, r in result["recall"].items():
            self.assertEqual(r["leaked"], 0, (cat, list(r["leakedValues"])))
            self.assertEqual(r["recall"], 1.0, cat)
        self.assertEqual(result["decoysTouched"], 0, [d for d in result["decoys"] if not d["ok"]])

    def test_checker_catches_one_leaked_value_and_one_touched_decoy(self):
        spare = self.key["planted"]["email"][3]
        texts = fake_redact(self.texts, self.key, spare=spare)
        decoy = "wks-finance-07x"
        name = next(n for n, t in texts.items() if decoy.encode() in t)
        texts[name] = texts[name].replace(decoy.encode(), b"host-0000x", 1)
        texts["manifest.json"] = json.dumps({"note": "nothing planted"}).encode()
        result = self.check(texts, "leaky.zip")
        email = result["recall"]["email"]
        self.assertEqual(email["leaked"], 1)
        self.assertEqual(list(email["leakedValues"]), [spare])
        self.assertAlmostEqual(email["recall"], (email["planted"] - 1) / email["planted"])
        for cat, r in result["recall"].items():
            if cat != "email":
                self.assertEqual(r["leaked"], 0, cat)
        touched = [d for d in result["decoys"] if not d["ok"]]
        self.assertEqual([d["text"] for d in touched], [decoy])
        self.assertEqual(touched[0]["found"], touched[0]["expected"] - 1)

    def test_checker_finds_a_secret_left_only_in_the_manifest(self):
        texts = fake_redact(self.texts, self.key)
        secret = self.key["planted"]["secret"][0]
        texts["manifest.json"] = json.dumps({"source": f"/tmp/{secret}.log"}).encode()
        result = self.check(texts, "manifest.zip")
        self.assertEqual(list(result["recall"]["secret"]["leakedValues"]), [secret])
        self.assertEqual(result["recall"]["secret"]["leakedValues"][secret]["entries"], ["manifest.json"])


class Boundaries(unittest.TestCase):
    def hit(self, cat, text, needle):
        buf = text.encode()
        start = buf.lower().index(needle.lower().encode())
        return check.boundary_ok(cat, buf, start, start + len(needle))

    def test_names_are_whole_words_with_dot_as_a_boundary(self):
        self.assertTrue(self.hit("hostname", "to WKS-FINANCE-07.corp.example", "wks-finance-07"))
        self.assertTrue(self.hit("username", "CORP\\jdoe-fake logged", "jdoe-fake"))
        for text in ("wks-finance-07x", "oldwks-finance-07", "wks-finance-07_bak", "wks-finance-07-old"):
            self.assertFalse(self.hit("hostname", text, "wks-finance-07"), text)

    def test_ipv4_is_not_part_of_a_longer_dotted_number(self):
        self.assertTrue(self.hit("ipv4", "from 10.1.2.3/24 port", "10.1.2.3"))
        self.assertTrue(self.hit("ipv4", "at 10.1.2.3.", "10.1.2.3"))
        for text in ("110.1.2.3", "10.1.2.34", "10.1.2.3.4", "1.10.1.2.3"):
            self.assertFalse(self.hit("ipv4", text, "10.1.2.3"), text)

    def test_mac_and_ipv6_are_not_part_of_longer_hex_runs(self):
        self.assertTrue(self.hit("mac", "hw 3C-22-FB-00-67-19 up", "3c-22-fb-00-67-19"))
        self.assertFalse(self.hit("mac", "3c:22:fb:00:67:19:aa", "3c:22:fb:00:67:19"))
        self.assertTrue(self.hit("ipv6", "dns fdfa:cade:1::2/64", "fdfa:cade:1::2"))
        self.assertFalse(self.hit("ipv6", "fdfa:cade:1::2:3", "fdfa:cade:1::2"))

    def test_secrets_match_anywhere(self):
        self.assertTrue(self.hit("secret", "xxpw-FAKE-abcxx", "pw-FAKE-abc"))


@unittest.skipUnless(shutil.which("zip") and os.path.exists("/usr/bin/time"), "needs zip and /usr/bin/time")
class Runner(unittest.TestCase):
    def test_only_zip_run_writes_a_report_with_figures_and_a_check(self):
        with tempfile.TemporaryDirectory(prefix="bench-run-") as work:
            proc = subprocess.run([sys.executable, str(HERE / "run.py"), "--only-zip", "--sizes", "1",
                                   "--runs", "2", "--work", work], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("Info-ZIP -6", proc.stdout)
            report = json.loads((Path(work) / "report-1.json").read_text())
            z = report["tools"]["zip"]
            self.assertGreater(z["mbPerSec"]["median"], 0)
            self.assertGreater(z["peakRssMb"]["min"], 0)
            self.assertGreater(report["inputBytes"], z["bundleBytes"])
            self.assertEqual(sorted(p.name for p in (Path(work) / "out-1").glob("*.zip")), ["zip-1.zip"])
            self.assertEqual(report["checkZip"]["decoysTouched"], 0)
            self.assertTrue(all(r["recall"] == 0.0 for r in report["checkZip"]["recall"].values()))
            # A second run reuses the tree: its key says the same size and seed.
            proc = subprocess.run([sys.executable, str(HERE / "run.py"), "--only-zip", "--sizes", "1",
                                   "--runs", "1", "--work", work, "--no-check-zip"], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertTrue(json.loads((Path(work) / "report-1.json").read_text())["generator"]["reused"])

    def test_casefile_runs_are_timed_checked_and_reported(self):
        with tempfile.TemporaryDirectory(prefix="bench-run-") as work:
            fake = Path(work) / "casefile"
            fake.write_text(FAKE_CASEFILE.format(python=sys.executable, here=str(HERE)))
            fake.chmod(0o755)
            proc = subprocess.run([sys.executable, str(HERE / "run.py"), "--casefile", str(fake), "--sizes", "1",
                                   "--runs", "2", "--work", work], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            report = json.loads((Path(work) / "report-1.json").read_text())
            self.assertGreater(report["tools"]["casefile"]["mbPerSec"]["median"], 0)
            self.assertGreater(report["speedRatio"], 0)
            cf = report["casefile"]
            self.assertEqual((cf["entries"], cf["skipped"], cf["leakCount"]), (report["files"], 1, 0))
            self.assertEqual(cf["skippedByReason"], {"binary": 1})
            # The fake redaction spares one username: the check must say so.
            username = report["check"]["recall"]["username"]
            self.assertEqual(username["leaked"], 1)
            self.assertEqual(report["check"]["recall"]["secret"]["leaked"], 0)
            self.assertEqual(report["check"]["decoysTouched"], 0)
            self.assertIn("ratio of medians (casefile / Info-ZIP)", proc.stdout)
            self.assertIn("casefile leaks: 0 (empty, as required)", proc.stdout)
            self.assertEqual(sorted(p.name for p in (Path(work) / "out-1").glob("*.zip")),
                             ["casefile-1.zip", "zip-1.zip"])

    def test_a_casefile_without_collect_is_a_tool_error(self):
        with tempfile.TemporaryDirectory(prefix="bench-run-") as work:
            fake = Path(work) / "casefile"
            fake.write_text("#!/bin/sh\necho 'error: unrecognized subcommand' >&2\nexit 2\n")
            fake.chmod(0o755)
            proc = subprocess.run([sys.executable, str(HERE / "run.py"), "--casefile", str(fake), "--sizes", "1",
                                   "--runs", "1", "--work", work], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
            self.assertIn("casefile", proc.stderr)


# The redaction bench's tests (scripts/bench/redaction/test_bench_redact.py) run with these.
sys.path.insert(0, str(HERE / "redaction"))
from test_bench_redact import Corpus, Run, Scoring  # noqa: E402,F401


if __name__ == "__main__":
    unittest.main()
