#!/usr/bin/env python3
"""Writes the `secrets` suite of the redaction conformance corpus (tests/redaction/secrets/).

Every rule of the public gitleaks rule set that describes a token by its own shape (about 210 of
its 222 rules) gives one secret per context, sampled from the rule's own regular expression with
`rstr` (seeded, so the output is the same on every run), and each secret is written into ~32
contexts: env file, shell export, YAML (flat and nested), JSON (flat and nested), INI, TOML,
.properties, XML element and attribute, Makefile `?=` and `:=`, Go `:=` and `var x string =`,
Java `System.setProperty`, Kotlin, C#, PHP `.=`, Python, JS, logstash `=>`, Terraform,
Dockerfile ENV, HTTP header, cookie, URL query parameter, connection string, curl command line,
a log line sentence, a markdown paragraph, CSV. The same files hold placeholders, references
and identifiers (`${VAR}`, `var.db_password`, `<your-token>`, `AKIAXXXXXXXXXXXXXXXX`, git SHAs,
sha256 digests, UUIDs) that must stay.

Usage:
    python3 scripts/bench/redaction/gen_secrets.py --rules PATH/gitleaks.toml [--out DIR] [--seed N]

`gitleaks.toml` is `config/gitleaks.toml` of https://github.com/gitleaks/gitleaks (MIT licence);
it is read, never copied into the corpus. The generated files are committed, so the tests never
need this script; rerun it only to change the suite. `rstr` is installed with pip if missing.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUT = ROOT / "tests" / "redaction" / "secrets"

# Rules that are not a token's shape but a syntax (key words, command lines, YAML documents,
# files): the syntax and private-key detectors own them, and other suites test them.
SKIPPED = {
    "curl-auth-header",
    "curl-auth-user",
    "kubernetes-secret-yaml",
    "pkcs12-file",
    "private-key",
    "nuget-config-password",
    "freemius-secret-key",
    "generic-api-key",
    "hashicorp-tf-password",
}
# Rules whose whole match is the secret (their first group is a part of it).
WHOLE_MATCH = {"jwt-base64", "microsoft-teams-webhook"}
# Rules whose secret is a part of something only the vendor's name tells (the user info of a
# URL, a bare hex string): written next to that name, as the rules that start with a keyword.
NEEDS_NAME = {"sidekiq-sensitive-url", "sourcegraph-access-token"}


def ensure_rstr():
    try:
        import rstr  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "rstr==3.2.2"], check=True)
    import rstr
    import importlib

    xeger_module = importlib.import_module("rstr.xeger")

    # rstr caps every repeat at 100, below some rules' minimum (`{146}`, `{250,}`): cap
    # open repeats at 40 past their minimum instead.
    def handle_repeat(self, start: int, end: int, value) -> str:
        times = self._random.randint(start, min(end, start + 40))
        return "".join("".join(self._handle_state(i) for i in value) for _ in range(times))

    xeger_module.Xeger._handle_repeat = handle_repeat
    return rstr


def python_regex(regex: str) -> str:
    """The Go (RE2) regex as one Python's `re` accepts: inline flags dropped, POSIX classes
    spelled out (the sampler ignores case flags anyway)."""
    regex = regex.replace("(?i)", "").replace("(?-i:", "(?:").replace("(?i:", "(?:")
    regex = regex.replace("(?s:", "(?:")
    regex = regex.replace("[[:alnum:]]", "[a-zA-Z0-9]").replace(r"\z", "$")
    return regex


def entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def sample(rstr_mod, rng: random.Random, rule: dict) -> str | None:
    """One secret of `rule`: a sample of its regex, cut to the secret group, that passes the
    rule's entropy and fits in any context (no white space, quote or backslash)."""
    regex = python_regex(rule["regex"])
    try:
        compiled = re.compile(regex)
    except re.error:
        return None
    gen = rstr_mod.Rstr(rng)
    for _ in range(200):
        text = gen.xeger(regex)
        m = compiled.search(text)
        if not m:
            continue
        if rule["id"] in WHOLE_MATCH or m.lastindex is None:
            value = m.group(0)
        elif "secretGroup" in rule:
            value = m.group(rule["secretGroup"])
        else:
            value = next((g for g in m.groups() if g), m.group(0))
        value = value.strip("\"'")
        if not value or re.search(r"[\s\"'\\`<>&]", value) or len(value) > 400:
            continue
        if entropy(value) < float(rule.get("entropy", 0)):
            continue
        return value
    return None


def words(rule_id: str) -> list[str]:
    return [w for w in re.split(r"[-_]", rule_id) if w]


def names(rule_id: str, keywords: tuple[str, ...] = ()) -> dict[str, str]:
    """Key names made from the rule id: ADAFRUIT_API_KEY, adafruit_api_key, adafruitApiKey…
    The vendor part is the shortest run of leading words that holds one of the rule's
    keywords (`new_relic`, `cisco_meraki`), else the first word."""
    w = words(rule_id)
    cut = 1
    for i in range(1, len(w)):
        head = "_".join(w[:i])
        if any(k in head or k in head.replace("_", "") or k in head.replace("_", "-") for k in keywords):
            cut = i
            break
    vendor = "_".join(w[:cut])
    camel = w[0] + "".join(x.capitalize() for x in w[1:])
    return {
        "UPPER": "_".join(w).upper(),
        "snake": "_".join(w),
        "camel": camel,
        "Camel": camel[0].upper() + camel[1:],
        "vendor": vendor,
        "rest": "_".join(w[cut:]) or "key",
        "rest_dotted": ".".join(w[cut:]) or "key",
        "Header": "-".join(x.capitalize() for x in w),
        "spaced": " ".join(w),
    }


# (file, header, line template, footer). `{V}` is the value; the other fields come from
# `names`. A template may span lines.
CONTEXTS = [
    ("app.env", "", "{UPPER}={V}\n", ""),
    ("export.sh", "#!/bin/sh\n", 'export {UPPER}="{V}"\n', ""),
    ("config.yaml", "", "{snake}: {V}\n", ""),
    ("nested.yaml", "services:\n", "  {vendor}:\n    {rest}: \"{V}\"\n", ""),
    ("settings.json", "[\n", '  {{"{snake}": "{V}"}},\n', '  {{"end": true}}\n]\n'),
    (
        "nested.json",
        "[\n",
        '  {{\n    "{vendor}": {{\n      "{rest}": "{V}"\n    }}\n  }},\n',
        '  {{"end": true}}\n]\n',
    ),
    ("app.ini", "", "[{vendor}_{n}]\n{rest} = {V}\n\n", ""),
    ("app.toml", "", "[{vendor}_{n}]\n{rest} = \"{V}\"\n\n", ""),
    ("application.properties", "", "{vendor}.{rest_dotted}={V}\n", ""),
    ("element.xml", "<settings>\n", "  <{Camel}>{V}</{Camel}>\n", "</settings>\n"),
    ("web.config", "<appSettings>\n", '  <add key="{Camel}" value="{V}" />\n', "</appSettings>\n"),
    ("conditional.mk", "", "{UPPER} ?= {V}\n", ""),
    ("Makefile", "", "{UPPER} := {V}\n", ""),
    ("short.go", "package main\n\nfunc config() {{\n", '\t{camel} := "{V}"\n', "}\n"),
    ("vars.go", "package main\n\n", 'var {camel} string = "{V}"\n', ""),
    ("Config.java", "class Config {\n  static {\n", '    System.setProperty("{UPPER}", "{V}");\n', "  }\n}\n"),
    ("Config.kt", "object Config {\n", '    val {camel} = "{V}"\n', "}\n"),
    ("Config.cs", "static class Config {\n", '    public const string {Camel} = "{V}";\n', "}\n"),
    ("config.php", "<?php\n$config = [];\n", "$config['{snake}'] .= '{V}';\n", ""),
    ("settings.py", "import os\n\n", '{UPPER} = os.environ.get("{UPPER}", "{V}")\n', ""),
    ("config.js", "", "const {camel} = '{V}';\n", ""),
    ("pipeline.conf", "filter {\n  mutate {\n    add_field => {\n", '      "{snake}" => "{V}"\n', "    }\n  }\n}\n"),
    ("main.tf", 'resource "vault_generic_secret" "app" {\n', '  {snake} = "{V}"\n', "}\n"),
    ("Dockerfile", "FROM debian:12\n", "ENV {UPPER}={V}\n", ""),
    ("request.http", "GET /v1/items HTTP/1.1\nHost: api.example.com\n", "X-{Header}: {V}\n", ""),
    ("cookies.txt", "", "Cookie: theme=dark; {snake}={V}; lang=en\n", ""),
    ("urls.log", "", "GET https://api.example.com/v1/items?{snake}={V}&page=2 200\n", ""),
    ("connections.txt", "", "Endpoint=https://api.example.com/;{Camel}={V};Timeout=30\n", ""),
    ("curl.sh", "#!/bin/sh\n", 'curl -sS -H "X-{Header}: {V}" https://api.example.com/v1/items\n', ""),
    ("sentence.log", "", "2026-11-23T09:14:07.481Z INFO [worker-{n}] {sentence}\n", ""),
    ("README.md", "# Setup\n\n", "{paragraph}\n\n", ""),
    ("keys.csv", "service,value,region\n", "{vendor},{V},eu-west-{n}\n", ""),
]


def sentence(value: str, rule: dict, prefixed: bool, n: int) -> str:
    """A log sentence: a self-identifying token stands alone; a vendor key follows its name."""
    nm = names(rule["id"], tuple(rule.get("keywords", ())))
    if prefixed:
        forms = [
            "auth ok with {V} for build {n}",
            "retrying request (credential {V}) after 503",
            "loaded {V} from cache",
        ]
    else:
        forms = [
            "loaded {spaced} {V} from vault",
            "using {spaced}: {V}",
            "{spaced} is {V} (rotated)",
        ]
    return forms[n % len(forms)].format(V=value, n=n, **nm)


def paragraph(value: str, rule: dict, prefixed: bool, n: int) -> str:
    nm = names(rule["id"], tuple(rule.get("keywords", ())))
    if prefixed:
        return f"The deploy job failed; the log shows `{value}` was rejected, so rotate it."
    return f"Set the {nm['spaced']} to `{value}` before running the sync."


# Placeholders and references that must stay, written in the same contexts (as the value of
# a vendor key). Values that the generic key-word rules remove by design are not here.
PLACEHOLDERS = [
    "${ADAFRUIT_API_KEY}",
    "${GITHUB_TOKEN}",
    "$STRIPE_KEY",
    "{{ .Values.datadog.apiKey }}",
    "{{ datadog_api_key }}",
    "<your-token>",
    "<ADAFRUIT_KEY>",
    "AKIAXXXXXXXXXXXXXXXX",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "github_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "glpat-xxxxxxxxxxxxxxxxxxxx",
    "glpat-XXXXXXXXXXXXXXXXXXXX",
    "xoxb-your-token",
    "xoxb-0000000000-0000000000-xxxxxxxxxxxxxxxxxxxxxxxx",
    "xoxp-xxxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx",
    "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
    "sk_test_XXXXXXXXXXXXXXXXXXXXXXXX",
    "sk_live_0000000000000000000000",
    "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "AIzaXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "AIzaSyEXAMPLEEXAMPLEEXAMPLEEXAMPLE12345",
    "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "EAACEdEose0cBAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "dop_v1_0000000000000000000000000000000000000000000000000000000000000000",
    "shpat_00000000000000000000000000000000",
    "AGE-SECRET-KEY-1XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "pypi-AgEIcHlwaS5vcmcxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "your_api_key_here",
    "YOUR_ADAFRUIT_KEY",
    "your-datadog-api-key",
    "changeme",
    "CHANGE_ME",
    "placeholder",
    "REPLACE_WITH_YOUR_KEY",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "********************************",
    "0000000000000000000000000000000000000000",
    "abcdefghijklmnopqrstuvwxyz123456",
    "0123456789abcdef0123456789abcdef",
    "var.db_password",
    "var.datadog_api_key",
    "local.sentry_token",
    "X25519.secret_length",
    "data.vault_generic_secret.app.data",
    "process.env.STRIPE_KEY",
    "os.environ",
    "secrets.GITHUB_TOKEN",
    "%(adafruit_key)s",
    "%ADAFRUIT_KEY%",
    "@ADAFRUIT_KEY@",
    "true",
    "null",
    "none",
]


def identifiers(rng: random.Random) -> list[tuple[str, str, str]]:
    """(category, template, value) of identifiers a vendor needs, next to vendor names."""
    sha1 = "%040x" % rng.getrandbits(160)
    sha256 = "%064x" % rng.getrandbits(256)
    md5 = "%032x" % rng.getrandbits(128)
    u = "%032x" % rng.getrandbits(128)
    uuid = f"{u[:8]}-{u[8:12]}-4{u[13:16]}-a{u[17:20]}-{u[20:]}"
    return [
        ("hash", "sentry-cli sha256: {v}", sha256),
        ("hash", "image: datadog/agent@sha256:{v}", sha256),
        ("hash", "datadog-agent commit {v}", sha1),
        ("hash", "jira plugin md5sum {v}", md5),
        ("hash", "bitbucket commit {v} merged", sha1),
        ("uuid", "heroku release {v} deployed", uuid),
        ("uuid", "request_id={v}", uuid),
        ("hash", "git_sha={v}", sha1),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules", required=True, type=Path, help="gitleaks config/gitleaks.toml")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    rstr_mod = ensure_rstr()
    rules = tomllib.loads(args.rules.read_text())["rules"]
    rng = random.Random(args.seed)
    kept_rules = [r for r in rules if r["id"] not in SKIPPED and "regex" in r]
    thresholds = load_thresholds(args.out / "expect.json")
    if args.out.exists():
        shutil.rmtree(args.out)
    (args.out / "cases").mkdir(parents=True)
    files = []
    unsampled = set()
    for ci, (fname, header, template, footer) in enumerate(CONTEXTS):
        text = [header]
        go, stay = [], []
        for n, rule in enumerate(kept_rules):
            value = sample(rstr_mod, rng, rule)
            if value is None:
                unsampled.add(rule["id"])
                continue
            prefixed = rule["id"] not in NEEDS_NAME and not rule["regex"].lstrip("(?i)").startswith(
                r"[\w.-]{0,50}?"
            )
            fields = dict(names(rule["id"], tuple(rule.get("keywords", ()))), V=value, n=n)
            fields["sentence"] = sentence(value, rule, prefixed, n)
            fields["paragraph"] = paragraph(value, rule, prefixed, n)
            text.append(template.format(**fields))
            go.append({"category": "secret", "value": value, "kind": rule["id"]})
        vendor_ids = ["adafruit-api-key", "datadog-api-key", "sentry-token", "stripe-key", "github-token"]
        for n, placeholder in enumerate(PLACEHOLDERS):
            rid = vendor_ids[n % len(vendor_ids)]
            fields = dict(names(rid), V=placeholder, n=1000 + n)
            fields["sentence"] = f"{names(rid)['spaced']} is {placeholder} (not set)"
            fields["paragraph"] = f"Set the {names(rid)['spaced']} to `{placeholder}` before running the sync."
            text.append(template.format(**fields))
            category = "reference" if re.match(r"^[a-z_]+\.[a-zA-Z_.]+$|^[A-Z0-9]+\.", placeholder) else "placeholder"
            if placeholder in {"true", "null", "none"}:
                category = "other"
            stay.append({"category": category, "value": placeholder})
        for category, line, value in identifiers(rng):
            text.append(line.format(v=value) + "\n")
            stay.append({"category": category, "value": value})
        text.append(footer)
        (args.out / "cases" / fname).write_text("".join(text))
        files.append({"file": f"cases/{fname}", "go": go, "stay": stay})
    expect = {
        "suite": "secrets",
        "source": (
            "Generated by scripts/bench/redaction/gen_secrets.py (seed %d) from the token formats of the "
            "gitleaks rule set, config/gitleaks.toml of https://github.com/gitleaks/gitleaks (MIT licence); "
            "every secret is random, none is real" % args.seed
        ),
        "min_recall": {"secret": 0.0},
        "min_kept": 0.0,
        "files": files,
    }
    expect.update(thresholds)
    (args.out / "expect.json").write_text(json.dumps(expect, indent=1) + "\n")
    n_go = sum(len(f["go"]) for f in files)
    n_stay = sum(len(f["stay"]) for f in files)
    print(
        f"{len(files)} files, {len(kept_rules) - len(unsampled)} rules, {n_go} secrets, "
        f"{n_stay} values that stay -> {args.out}"
    )
    if unsampled:
        print("rules the sampler could not use: " + ", ".join(sorted(unsampled)))
    return 0


def load_thresholds(path: Path) -> dict:
    """The thresholds of an existing expect.json, so regenerating keeps them."""
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {k: old[k] for k in ("min_recall", "min_kept") if k in old}


if __name__ == "__main__":
    sys.exit(main())
