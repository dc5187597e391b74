#!/usr/bin/env python3
"""Recall of `go` values and keep rate of `stay` values for one suite of the redaction corpus.

Usage: measure_suite.py CASEFILE_BINARY SUITE_DIR

Runs `casefile redact FILE` on each file of SUITE_DIR/expect.json (one file at a time, with a
throw-away data folder) and prints, per category, how many `go` values are gone from the output (as whole tokens)
and how many `stay` values appear there exactly as often as in the input.
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    binary, suite = sys.argv[1], sys.argv[2]
    expect = json.load(open(os.path.join(suite, "expect.json"), encoding="utf-8"))
    go = collections.defaultdict(lambda: [0, 0])
    stay = collections.defaultdict(lambda: [0, 0])
    misses = []
    with tempfile.TemporaryDirectory() as data:
        for case in expect["files"]:
            path = os.path.join(suite, case["file"])
            original = open(path, encoding="utf-8", errors="replace").read()
            out = subprocess.run([binary, "--data-dir", data, "redact", path],
                                 capture_output=True, check=True).stdout.decode("utf-8", "replace")
            for item in case["go"]:
                tally = go[item["category"]]
                tally[1] += 1
                # Gone as a token: `user` inside a pseudonym `user-1a2b3c4d`, `sshd` in the
                # program name `sshd[12]` or `node-3` inside `node-30` do not count.
                # An address must be gone even inside an id (`BP-1-10.1.2.3-9`).
                if item["category"] == "ipv4":
                    token = re.compile(r"(?<![0-9.])" + re.escape(item["value"]) + r"(?![0-9])")
                elif item["category"] in ("ipv6", "mac", "email"):
                    token = re.compile(re.escape(item["value"]))
                else:
                    token = re.compile(r"(?<![A-Za-z0-9_-])" + re.escape(item["value"])
                                       + r"(?![A-Za-z0-9_-])")
                if not token.search(out):
                    tally[0] += 1
                else:
                    misses.append(("go", case["file"], item["category"], item["value"]))
            for item in case["stay"]:
                tally = stay[item["category"]]
                tally[1] += 1
                if out.count(item["value"]) == original.count(item["value"]):
                    tally[0] += 1
                else:
                    misses.append(("stay", case["file"], item["category"], item["value"]))
    print(f"{'category':<12} {'recall/kept':>11} {'n':>6}")
    for name, table in (("go", go), ("stay", stay)):
        for category, (ok, n) in sorted(table.items()):
            print(f"{name}:{category:<9} {ok / n:>11.3f} {n:>6}")
    for miss in misses:
        print("MISS", *miss, file=sys.stderr)


if __name__ == "__main__":
    main()
