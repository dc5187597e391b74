#!/usr/bin/env python3
"""A deterministic synthetic log tree for the Casefile benchmark, with its answer key.

    gen.py SIZE_MB OUT_DIR [--seed N]

writes about SIZE_MB MiB (on disk) of realistic text logs under OUT_DIR and the answer key to
OUT_DIR.key.json, outside the tree so that neither archiver picks it up. The same seed and size
give a byte-identical tree (on the same Python and zlib).

How it stays fast: every kind of log ("stream") has a pool of message bodies made from templates
with a seeded PRNG; a file is written in ~1 MiB blocks of bodies sampled from the pool, one
formatted timestamp per second of log time joined in front of that second's lines. Only the pools
and the planted values cost per-line Python work.

What the key promises (see README.md next to this file):
- planted: every value listed occurs at least once in the tree (after gunzip). The bodies that
  carry them are tracked while the pools are built, and one body per (category, value, form)
  is written at least once ("guaranteed"); pools repeat them many times more.
- hostnames and usernames occur in learning positions (syslog host field, user=, "username":,
  sshd "Accepted publickey for", /home/NAME/, CORP\\NAME, hostname=) and in free text.
- decoys: the exact number of occurrences written, counted on the uncompressed bytes.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import calendar
import gzip
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

MIB = 1 << 20
BLOCK = 1 << 20
ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
BASE_TIME = calendar.timegm((2026, 11, 16, 0, 0, 0))

HOSTNAMES = [
    "wks-finance-07", "srv-ledger-fake01", "db-orion-fake", "mbp-kwalsh-fake",
    "build-agent-fake3", "jump-bastion-fake", "nas-archive-fake", "web-ember-fake2",
    "kiosk-lobby-fake", "vpn-gw-fake9", "lab-rig-fake4", "dc-primary-fake",
]
USERNAMES = [
    "jdoe-fake", "kwalsh-fake", "mrossi-fake", "svc-backup-fake", "aokafor-fake", "lchen-fake",
    "pnovak-fake", "tbauer-fake", "svc-deploy-fake", "rgupta-fake", "ehansen-fake",
    "ywatanabe-fake",
]
KEYWORD = "bluefalcon"

# Text that must survive byte-identical. The name decoys are learned names with a letter, digit,
# '-' or '_' attached: whole-word replacement must leave them alone.
DECOY_VERSION = "120.0.6099.109"
DECOY_KERNEL = "5.15.0-91-generic"
DECOY_UUIDS = ["123e4567-e89b-12d3-a456-426614174000", "f47ac10b-58cc-4372-a567-0e02b2c3d479"]
DECOY_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
DECOY_SHA1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
DECOY_CLOCK = "10:23:45.123"
DECOY_ISO = "2026-11-23T09:14:07.481Z"
DECOY_RUST = "tokio::task::spawn"
DECOY_CPP = "std::vector<std::string>"
DECOY_PHRASES = ["password reset requested", "token refresh scheduled"]
DECOY_COLON_HEX = "de:ad:be:ef:ca:fe:ba:be:00:01"
DECOY_NAMES = [
    "wks-finance-07x", "oldwks-finance-07", "wks-finance-07_bak", "db-orion-fake-replica",
    "jdoe-fake2", "jdoe-fake_old", "xkwalsh-fake",
]
DECOYS = (
    [DECOY_VERSION, DECOY_KERNEL] + DECOY_UUIDS
    + [DECOY_SHA256, DECOY_SHA1, DECOY_CLOCK, DECOY_ISO, DECOY_RUST, DECOY_CPP]
    + DECOY_PHRASES + [DECOY_COLON_HEX] + DECOY_NAMES
)

# Decoys that a timestamp prefix and a body can form between them are counted on the written
# blocks; the others are counted per body (a body's count times the times it was written).
STRADDLING = {DECOY_CLOCK, DECOY_ISO}

SECRET_FORMS = [
    "kv", "json", "yaml", "ini", "url", "cli", "connstr", "basic", "bearer", "jwt", "aws",
    "pem", "api", "quoted",
]
GROUP_SIZES = tuple(range(1, 14))
TIME_STEPS = (1, 1, 1, 1, 2, 2, 3, 5, 8)
CATEGORIES = ["secret", "email", "ipv4", "ipv6", "mac", "hostname", "username", "keyword"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Planted:
    """The values planted in the tree, made once from the seed."""

    def __init__(self, rng: random.Random):
        def alnum(n: int) -> str:
            return "".join(rng.choices(ALNUM, k=n))

        per_form = 16
        self.secrets: dict[str, list[str]] = {}
        makers = {
            "kv": lambda: f"pw-FAKE-{alnum(8)}",
            "json": lambda: f"FAKE-json-{alnum(10)}",
            "yaml": lambda: f"FAKE-yaml-{alnum(10)}",
            "ini": lambda: f"FAKE-ini-{alnum(10)}",
            "url": lambda: f"FAKEurl{alnum(9)}",
            "cli": lambda: f"FAKE-cli-{alnum(9)}",
            "connstr": lambda: f"FAKE-conn-{alnum(9)}",
            "basic": lambda: f"FAKE{alnum(22)}=",
            "bearer": lambda: f"ya29.FAKE-{alnum(28)}",
            "jwt": lambda: ".".join([
                b64url(b'{"alg":"HS256","typ":"JWT"}'),
                b64url(json.dumps({"sub": "FAKE-" + alnum(6), "iat": 1795000000 + rng.randrange(10**6)},
                                  separators=(",", ":")).encode()),
                "FAKEsig" + alnum(36),
            ]),
            "aws": lambda: "AKIAFAKE" + "".join(rng.choices(UPPER_DIGITS, k=12)),
            "api": lambda: f"FAKE-api-{alnum(18)}",
            "quoted": lambda: f"correct horse FAKE {alnum(6)}",
        }
        for form, make in makers.items():
            seen: set[str] = set()
            while len(seen) < per_form:
                seen.add(make())
            self.secrets[form] = sorted(seen)
        # Private key blocks: every body line is a planted secret.
        self.pem_blocks: list[list[str]] = []
        for _ in range(3):
            lines = []
            for i in range(7):
                body = "".join(rng.choices(B64, k=56))
                lines.append(f"MIIFAKE{i}" + body if i == 0 else "FAKE" + body + "AAAA")
            lines.append("FAKE" + "".join(rng.choices(B64, k=20)) + "==")
            self.pem_blocks.append(lines)
        self.secrets["pem"] = [line for block in self.pem_blocks for line in block]

        firsts = ["jane", "omar", "li", "greta", "tomas", "amara", "ravi", "sofia", "ken", "nadia"]
        lasts = ["roe", "haddad", "wei", "lind", "novak", "obi", "iyer", "costa", "sato", "berg"]
        domains = ["example-fake.com", "corp-fake.example", "mail.fake.example"]
        emails: set[str] = set()
        while len(emails) < 40:
            emails.add(f"{rng.choice(firsts)}.{rng.choice(lasts)}.fake{rng.randrange(100)}"
                       f"@{rng.choice(domains)}")
        self.emails = sorted(emails)

        ipv4: set[str] = set()
        while len(ipv4) < 240:
            kind = rng.randrange(5)
            if kind == 0:
                ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            elif kind == 1:
                ip = f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            elif kind == 2:
                ip = f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            elif kind == 3:
                ip = f"203.0.113.{rng.randrange(1, 255)}"
            else:
                ip = f"198.51.100.{rng.randrange(1, 255)}"
            ipv4.add(ip)
        self.ipv4 = sorted(ipv4)
        self.ipv4_cidr = self.ipv4[:40]  # also planted with a /24

        self.ipv6: list[tuple[str, str]] = []  # (compressed, full)
        for i in range(24):
            groups = [0xFDFA, 0xCADE, rng.randrange(1, 0xFFFF), rng.randrange(0, 0x100), 0, 0,
                      rng.randrange(0, 0x10), rng.randrange(1, 0xFFFF)]
            full = ":".join(f"{g:04x}" for g in groups)
            compressed = ":".join(f"{g:x}" for g in groups[:4]) + "::" + \
                (f"{groups[6]:x}:" if groups[6] else "") + f"{groups[7]:x}"
            self.ipv6.append((compressed, full))

        self.macs: list[str] = []
        macs: set[str] = set()
        while len(macs) < 30:
            macs.add("3c:22:fb:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3)))
        self.macs = sorted(macs)


class Gen:
    def __init__(self, size_mb: float, out: Path, seed: int):
        self.size = int(size_mb * MIB)
        self.out = out
        self.seed = seed
        self.rng = random.Random(seed)
        self.p = Planted(self.rng)
        self.cur: list[tuple[str, str, str]] = []
        self.decoy_counts = {d: 0 for d in DECOYS}
        self.decoy_bytes = [d.encode() for d in DECOYS]
        self.written_values: dict[str, set[str]] = {c: set() for c in CATEGORIES}
        self.secret_forms: dict[str, set[str]] = {f: set() for f in SECRET_FORMS}
        self.bytes = 0
        self.files = 0
        self._pool_decoy_cache: dict[int, tuple[list[bytes], dict[int, Counter]]] = {}
        self.last_time = BASE_TIME

    # ---- value pickers: each records (category, value, form) for the current body ----
    def _use(self, cat: str, value: str, form: str) -> str:
        self.cur.append((cat, value, form))
        return value

    def host(self, form: str, main: bool = False) -> str:
        h = HOSTNAMES[0] if main or self.rng.random() < 0.4 else self.rng.choice(HOSTNAMES)
        return self._use("hostname", h, form)

    def user(self, form: str) -> str:
        return self._use("username", self.rng.choice(USERNAMES), form)

    def ip(self, form: str = "bare") -> str:
        if form == "cidr":
            return self._use("ipv4", self.rng.choice(self.p.ipv4_cidr), form) + "/24"
        return self._use("ipv4", self.rng.choice(self.p.ipv4), form)

    def ip6(self) -> str:
        compressed, full = self.rng.choice(self.p.ipv6)
        r = self.rng.random()
        if r < 0.6:
            return self._use("ipv6", compressed, "compressed")
        if r < 0.85:
            return self._use("ipv6", full, "full")
        return self._use("ipv6", compressed.upper(), "upper")

    def mac(self) -> str:
        m = self.rng.choice(self.p.macs)
        if self.rng.random() < 0.7:
            return self._use("mac", m, "colon")
        return self._use("mac", m.upper().replace(":", "-"), "dash-upper")

    def email(self, form: str) -> str:
        return self._use("email", self.rng.choice(self.p.emails), form)

    def secret(self, form: str) -> str:
        return self._use("secret", self.rng.choice(self.p.secrets[form]), form)

    def kw(self, form: str) -> str:
        return self._use("keyword", KEYWORD, form)

    def decoy(self, text: str) -> str:
        return self._use("decoy", text, "decoy")

    def pem(self, form: str) -> str:
        block = self.rng.choice(self.p.pem_blocks)
        for line in block:
            self._use("secret", line, "pem")
        return "\n".join(["-----BEGIN RSA PRIVATE KEY-----"] + block + ["-----END RSA PRIVATE KEY-----"])

    # ---- small random pieces (no planted values) ----
    def hexs(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def uuid(self) -> str:
        h = self.hexs(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def n(self, lo: int, hi: int) -> int:
        return self.rng.randrange(lo, hi)

    def ms(self) -> str:
        return f"{self.rng.randrange(1000):03d}"

    # ---- pools ----
    def pool(self, templates, size: int):
        """Bodies from weighted templates, and the guaranteed subset covering every value used."""
        funcs = [t for _, t in templates]
        weights = [w for w, _ in templates]
        bodies: list[bytes] = []
        cover: dict[tuple[str, str, str], int] = {}
        for fn in self.rng.choices(funcs, weights=weights, k=size):
            self.cur = []
            body = fn().encode()
            for key in self.cur:
                cover.setdefault(key, len(bodies))
            bodies.append(body)
        # Make sure every template appears in the pool at least once.
        for fn in funcs:
            self.cur = []
            body = fn().encode()
            for key in self.cur:
                cover.setdefault(key, len(bodies))
            bodies.append(body)
        guaranteed = sorted(set(cover.values()))
        for (cat, value, form) in cover:
            if cat == "decoy":
                continue
            self.written_values[cat].add(value)
            if cat == "secret":
                self.secret_forms[form].add(value)
        return bodies, [bodies[i] for i in guaranteed]

    # ---- writing ----
    def render(self, bodies, guaranteed, nbytes: int, t: int, prefix, inline=None):
        """Yield blocks of lines for about nbytes; all guaranteed bodies are spread through.

        Log time advances by 1-8 s per group of 1-13 lines sharing one timestamp; the random
        draws are made in batches so the per-group work stays a few C-level calls.
        """
        rng = self.rng
        pending = list(guaranteed)
        rng.shuffle(pending)
        sample = bodies[:50]
        avg_group = 7 * (sum(len(b) for b in sample) / max(1, len(sample)) + 30)
        groups_expected = max(1.0, nbytes / avg_group)
        p_insert = min(1.0, len(pending) / groups_expected * 1.5)
        block: list[bytes] = []
        block_size = 0
        total = 0
        batch = int(min(8192, groups_expected * 8 + 64))
        draws: list[bytes] = []
        idxs: list[int] = []
        population = range(len(bodies))
        used: Counter = Counter()
        replaced: list[int] = []
        ks: list[int] = []
        steps: list[int] = []
        d = g = 0
        while total < nbytes or pending:
            if g == len(ks):
                ks = rng.choices(GROUP_SIZES, k=min(1024, batch))
                steps = rng.choices(TIME_STEPS, k=len(ks))
                g = 0
            k = ks[g]
            if d + k > len(draws):
                used.update(idxs[:d])
                idxs = rng.choices(population, k=batch)
                draws = [bodies[i] for i in idxs]
                d = 0
            group = draws[d:d + k]
            d += k
            if pending and (total >= nbytes or rng.random() < p_insert):
                pos = rng.randrange(k)
                replaced.append(idxs[d - k + pos])
                group[pos] = pending.pop()
                self._count_body_decoys(group[pos], 1)
            if inline is not None:
                part = b"".join(group).replace(b"\x00", inline(t))
            else:
                pre = prefix(t)
                part = pre + (b"\n" + pre).join(group) + b"\n"
            t += steps[g]
            g += 1
            block.append(part)
            block_size += len(part)
            total += len(part)
            if block_size >= BLOCK:
                yield b"".join(block)
                block, block_size = [], 0
        if block:
            yield b"".join(block)
        used.update(idxs[:d])
        used.subtract(replaced)
        for i, counts in self._pool_decoys(bodies).items():
            for text, c in counts.items():
                self.decoy_counts[text] += c * used[i]
        self.last_time = t

    def _pool_decoys(self, bodies: list[bytes]) -> dict[int, Counter]:
        """Per body index, its non-straddling decoys (found in one joined copy of the pool)."""
        cached = self._pool_decoy_cache.get(id(bodies))
        if cached is not None and cached[0] is bodies:
            return cached[1]
        offsets, pos = [], 0
        for b in bodies:
            offsets.append(pos)
            pos += len(b) + 1
        blob = b"\n".join(bodies)
        found: dict[int, Counter] = {}
        for text, needle in zip(DECOYS, self.decoy_bytes):
            if text in STRADDLING:
                continue
            i = blob.find(needle)
            while i != -1:
                found.setdefault(bisect.bisect_right(offsets, i) - 1, Counter())[text] += 1
                i = blob.find(needle, i + len(needle))
        self._pool_decoy_cache[id(bodies)] = (bodies, found)
        return found

    def _count_body_decoys(self, body: bytes, times: int) -> None:
        for text, needle in zip(DECOYS, self.decoy_bytes):
            if text not in STRADDLING:
                self.decoy_counts[text] += body.count(needle) * times

    def write(self, rel: str, blocks, gz: bool = False, rendered: bool = False) -> int:
        """Write blocks to rel (gzip-compressed when gz) and count their decoys: all of them, or
        for rendered blocks (whose bodies render() counted) only those that can straddle."""
        counted = [(d, b) for d, b in zip(DECOYS, self.decoy_bytes) if not rendered or d in STRADDLING]
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            sink = gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=6, mtime=0) if gz else f
            for block in blocks:
                for d, b in counted:
                    self.decoy_counts[d] += block.count(b)
                sink.write(block)
            if gz:
                sink.close()
        size = path.stat().st_size
        self.bytes += size
        self.files += 1
        return size

    # ---- streams ----
    def jcagent_templates(self):
        g = self
        lvl = lambda: g.rng.choice(["INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR"])
        pid = lambda: f"[{g.n(900, 9999)}]"
        return [
            (10, lambda: f"{pid()} [INFO] Checking in with the server: https://agent.jumpcloud.com/api/systems/{g.hexs(24)}/checkin took {g.n(40, 2400)}ms"),
            (8, lambda: f"{pid()} [{lvl()}] Executing command id {g.hexs(24)} (launchType=trigger) exit={g.n(0, 3)} duration={g.n(0, 90)}.{g.ms()}s"),
            (6, lambda: f"{pid()} [DEBUG] policy {g.hexs(24)} result: exit={g.n(0, 2)} bytes={g.n(0, 99999)} etag=\"{g.hexs(16)}\""),
            (4, lambda: f"{pid()} [INFO] Local user sync: user={g.user('user=')} uid={g.n(1000, 1100)} groups=[sudo,adm,{g.n(2000, 2100)}]"),
            (3, lambda: f"{pid()} [INFO] Updating account {g.user('free')} (uid={g.n(1000, 1100)}) on {g.host('free')}"),
            (3, lambda: f"{pid()} [DEBUG] hostname={g.host('hostname=', main=True)} os=\"Ubuntu 22.04.3 LTS\" kernel={g.decoy(DECOY_KERNEL)} arch=x86_64"),
            (4, lambda: f"{pid()} [WARN] Could not reach {g.ip()}:{g.n(1024, 65535)}: dial tcp: i/o timeout after {g.n(1, 30)}s"),
            (3, lambda: f"{pid()} [DEBUG] interface eth0 hw {g.mac()} addr {g.ip('cidr')} mtu 1500"),
            (2, lambda: f"{pid()} [DEBUG] interface eth0 inet6 {g.ip6()}/64 scope global"),
            (3, lambda: f"{pid()} [INFO] {g.decoy(DECOY_PHRASES[1])} in {g.n(60, 3600)}s (session {g.hexs(12)})"),
            (2, lambda: f"{pid()} [DEBUG] POST /api/v2/systems/{g.hexs(24)}/events Authorization: Bearer {g.secret('bearer')}"),
            (2, lambda: f"{pid()} [DEBUG] agent config: {{\"agentServerHost\": \"agent.jumpcloud.com\", \"password\": \"{g.secret('json')}\", \"logLevel\": \"debug\"}}"),
            (1, lambda: f"{pid()} [DEBUG] loaded client certificate key for mTLS:\n{g.pem('pem')}"),
            (2, lambda: f"{pid()} [INFO] Login for CORP\\{g.user('domain')} accepted from {g.ip()}"),
            (2, lambda: f"{pid()} [INFO] Home directory /home/{g.user('/home/')}/.config/jc created ({g.n(1, 900)} files)"),
            (2, lambda: f"{pid()} [INFO] connected to {g.host('fqdn').upper()}.corp.example ({g.ip()}) in {g.n(1, 999)}ms"),
            (1, lambda: f"{pid()} [INFO] {g.user('free')} logged out of {g.host('free')}"),
            (1, lambda: f"{pid()} [WARN] old profile {g.decoy(DECOY_NAMES[0])} found; owner {g.decoy(DECOY_NAMES[4])} (uid {g.n(1000, 1100)})"),
            (1, lambda: f"{pid()} [DEBUG] aws_access_key_id={g.secret('aws')} region=us-east-1 sync={g.n(0, 2)}"),
            (1, lambda: f"{pid()} [INFO] Project {g.kw('free')} rollout: {g.n(0, 100)}% of {g.n(100, 900)} devices"),
            (1, lambda: f"{pid()} [ERROR] panic in {g.decoy(DECOY_RUST)}: worker {g.n(1, 9)} stopped (artifact sha256 {g.decoy(DECOY_SHA256)})"),
        ]

    def syslog_templates(self):
        g = self
        h = lambda: g.host("syslog-host", main=g.rng.random() < 0.7)
        return [
            (8, lambda: f"{h()} systemd[1]: Started Session {g.n(1, 9999)} of User {g.user('free')}."),
            (6, lambda: f"{h()} kernel: [{g.n(1, 999999)}.{g.n(0, 999999):06d}] eth0: Link is Up - 1Gbps/Full - flow control rx/tx"),
            (2, lambda: f"{h()} kernel: [    0.000000] Linux version {g.decoy(DECOY_KERNEL)} (buildd@lcy02-amd64-{g.n(10, 99):03d}) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0) #101-Ubuntu SMP"),
            (8, lambda: f"{h()} CRON[{g.n(1000, 99999)}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"),
            (5, lambda: f"{h()} dhclient[{g.n(300, 9999)}]: DHCPACK of {g.ip()} from {g.ip()} (xid=0x{g.hexs(8)})"),
            (4, lambda: f"{h()} NetworkManager[{g.n(300, 9999)}]: <info>  [{g.n(1795000000, 1796000000)}.{g.n(0, 9999):04d}] device (eth0): carrier: link connected, hw-addr {g.mac()}"),
            (4, lambda: f"{h()} systemd-resolved[{g.n(300, 999)}]: Using degraded feature set UDP instead of EDNS0 for DNS server {g.ip6()}."),
            (5, lambda: f"{h()} chronyd[{g.n(300, 999)}]: Selected source {g.ip()} (ntp{g.n(1, 4)}.corp.example) offset {g.n(0, 999)}us"),
            (5, lambda: f"{h()} jcagent[{g.n(900, 9999)}]: checkin ok in {g.n(40, 2400)}ms etag={g.hexs(16)}"),
            (3, lambda: f"{h()} app[{g.n(900, 9999)}]: {g.decoy(DECOY_PHRASES[0])} for {g.email('free')} from {g.ip()}"),
            (3, lambda: f"{h()} postfix/smtp[{g.n(900, 9999)}]: {g.hexs(10).upper()}: to=<{g.email('angle')}>, relay=mail.fake.example[{g.ip()}]:25, delay={g.n(0, 9)}.{g.n(0, 99)}, status=sent (250 2.0.0 OK {g.hexs(12)})"),
            (2, lambda: f"{h()} dockerd[{g.n(900, 9999)}]: time=\"2026-11-2{g.n(0, 9)}T{g.n(0, 24):02d}:{g.n(0, 60):02d}:{g.n(0, 60):02d}.{g.n(0, 10**9):09d}Z\" level=info msg=\"ignoring event\" container={g.hexs(64)} module=libcontainerd"),
            (2, lambda: f"{h()} rsyslogd: [origin software=\"rsyslogd\" swVersion=\"8.2112.0\"] rsyslogd was HUPed"),
            (2, lambda: f"{h()} backup[{g.n(900, 9999)}]: rsync to {g.host('fqdn')}.corp.example:/srv/{g.kw('path')}/ finished, {g.n(1, 99999)} files"),
            (1, lambda: f"{h()} backup[{g.n(900, 9999)}]: snapshot volume {g.decoy(DECOY_NAMES[2])} kept, {g.decoy(DECOY_NAMES[1])} pruned"),
            (1, lambda: f"{h()} mount[{g.n(900, 9999)}]: mounting //{g.host('free')}/share with --password {g.secret('cli')} as {g.user('free')}"),
            (1, lambda: f"{h()} kernel: [{g.n(1, 99999)}.{g.n(0, 999999):06d}] pcieport 0000:00:1c.0: AER: id={g.decoy(DECOY_COLON_HEX)}"),
        ]

    def auth_templates(self):
        g = self
        h = lambda: g.host("syslog-host", main=True)
        fp = lambda: "".join(g.rng.choices(B64[:-2], k=43))
        return [
            (6, lambda: f"{h()} sshd[{g.n(900, 99999)}]: Accepted publickey for {g.user('sshd-accepted')} from {g.ip()} port {g.n(1024, 65535)} ssh2: RSA SHA256:{fp()}"),
            (6, lambda: f"{h()} sshd[{g.n(900, 99999)}]: pam_unix(sshd:session): session opened for user {g.user('free')}(uid={g.n(1000, 1100)}) by (uid=0)"),
            (6, lambda: f"{h()} sshd[{g.n(900, 99999)}]: Failed password for invalid user {g.user('sshd-invalid')} from {g.ip()} port {g.n(1024, 65535)} ssh2"),
            (5, lambda: f"{h()} sshd[{g.n(900, 99999)}]: Connection closed by {g.ip()} port {g.n(1024, 65535)} [preauth]"),
            (5, lambda: f"{h()} sshd[{g.n(900, 99999)}]: Disconnected from user {g.user('free')} {g.ip()} port {g.n(1024, 65535)}"),
            (4, lambda: f"{h()} sudo: {g.user('free')} : TTY=pts/{g.n(0, 9)} ; PWD=/home/{g.user('/home/')} ; USER=root ; COMMAND=/usr/bin/systemctl restart jcagent"),
            (6, lambda: f"{h()} CRON[{g.n(1000, 99999)}]: pam_unix(cron:session): session closed for user root"),
            (4, lambda: f"{h()} systemd-logind[{g.n(300, 999)}]: New session {g.n(1, 9999)} of user {g.user('free')}."),
            (2, lambda: f"{h()} sshd[{g.n(900, 99999)}]: Received disconnect from {g.ip6()} port {g.n(1024, 65535)}:11: disconnected by user"),
        ]

    def events_templates(self):
        g = self
        lv = lambda: g.rng.choice(["info", "info", "info", "debug", "warn", "error"])
        return [
            (10, lambda: f".{g.ms()}Z\",\"level\":\"{lv()}\",\"event\":\"login\",\"user\":\"{g.user('json-user')}\",\"src_ip\":\"{g.ip()}\",\"request_id\":\"{g.uuid()}\",\"latency_ms\":{g.n(1, 3000)}}}"),
            (8, lambda: f".{g.ms()}Z\",\"level\":\"{lv()}\",\"event\":\"http\",\"method\":\"GET\",\"path\":\"/api/v1/orders/{g.n(1, 999999)}\",\"status\":{g.rng.choice([200, 200, 200, 304, 404, 500])},\"bytes\":{g.n(0, 99999)},\"trace\":\"{g.hexs(32)}\"}}"),
            (4, lambda: f".{g.ms()}Z\",\"level\":\"info\",\"event\":\"profile\",\"username\": \"{g.user('json-username')}\",\"email\":\"{g.email('json')}\",\"hostname\": \"{g.host('json-hostname')}\"}}"),
            (3, lambda: f".{g.ms()}Z\",\"level\":\"debug\",\"event\":\"auth\",\"body\":{{\"login\":\"{g.user('json-login')}\",\"password\": \"{g.secret('json')}\",\"remember\":true}}}}"),
            (3, lambda: f".{g.ms()}Z\",\"level\":\"debug\",\"event\":\"oauth\",\"access_token\":\"{g.secret('api')}\",\"expires_in\":{g.n(300, 7200)},\"id_token\":\"{g.secret('jwt')}\"}}"),
            (3, lambda: f".{g.ms()}Z\",\"level\":\"info\",\"event\":\"device\",\"host\":\"{g.host('json-host')}\",\"mac\":\"{g.mac()}\",\"ipv6\":\"{g.ip6()}\",\"agent\":\"3.{g.n(0, 9)}.{g.n(0, 30)}\"}}"),
            (2, lambda: f".{g.ms()}Z\",\"level\":\"info\",\"event\":\"scheduler\",\"msg\":\"{g.decoy(DECOY_PHRASES[1])}\",\"job\":\"{g.decoy(DECOY_UUIDS[0])}\",\"at\":\"{g.decoy(DECOY_ISO)}\"}}"),
            (2, lambda: f".{g.ms()}Z\",\"level\":\"info\",\"event\":\"artifact\",\"sha256\":\"{g.decoy(DECOY_SHA256)}\",\"sha1\":\"{g.decoy(DECOY_SHA1)}\",\"size\":{g.n(1, 10**8)}}}"),
            (2, lambda: f".{g.ms()}Z\",\"level\":\"warn\",\"event\":\"note\",\"msg\":\"{g.host('free').upper()} unreachable; ticket for {g.kw('free').capitalize()} opened by {g.user('free')}\"}}"),
            (1, lambda: f".{g.ms()}Z\",\"level\":\"info\",\"event\":\"config\",\"api_key\": \"{g.secret('api')}\",\"client_secret\":\"{g.secret('api')}\"}}"),
        ]

    def access_templates(self):
        g = self
        uas = [
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{DECOY_VERSION} Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
            "curl/7.81.0", "python-requests/2.31.0", "Go-http-client/1.1",
            "jcagent/3.3.1 (linux; amd64)",
        ]

        def ua():
            u = g.rng.choice(uas)
            if DECOY_VERSION in u:
                g.decoy(DECOY_VERSION)
            return u

        def path():
            r = g.rng.random()
            if r < 0.05:
                return f"/api/v2/export?token={g.secret('api')}&page={g.n(1, 99)}"
            if r < 0.08:
                return f"/api/v1/items?api_key={g.secret('api')}&limit={g.n(10, 500)}"
            if r < 0.10:
                return f"/callback?code={g.hexs(20)}&id_token={g.secret('jwt')}"
            return g.rng.choice([
                f"/api/v1/orders/{g.n(1, 999999)}", f"/static/js/app.{g.hexs(8)}.js",
                f"/api/v1/search?q=item{g.n(1, 9999)}&page={g.n(1, 50)}", "/healthz",
                f"/images/p/{g.n(1, 99999)}.webp", f"/api/v1/users/{g.n(1, 99999)}/prefs",
            ])

        def client():
            return g.ip6() if g.rng.random() < 0.05 else g.ip()

        return [
            (20, lambda: f"{client()} - - [\x00] \"GET {path()} HTTP/1.1\" {g.rng.choice([200, 200, 200, 200, 301, 304, 404, 500])} {g.n(0, 200000)} \"-\" \"{ua()}\" rt={g.n(0, 3)}.{g.ms()}\n"),
            (4, lambda: f"{client()} - - [\x00] \"POST /api/v1/orders HTTP/1.1\" 201 {g.n(100, 900)} \"https://shop.fake.example/cart\" \"{ua()}\" rt={g.n(0, 3)}.{g.ms()}\n"),
            (1, lambda: f"{client()} - {g.user('access-user')} [\x00] \"GET /admin/ HTTP/1.1\" 401 {g.n(100, 900)} \"-\" \"{ua()}\" auth=\"Authorization: Basic {g.secret('basic')}\"\n"),
        ]

    def java_templates(self):
        g = self
        frames = [
            "com.example.ledger.OrderService.process(OrderService.java:{})",
            "com.example.ledger.db.Pool.acquire(Pool.java:{})",
            "org.springframework.transaction.interceptor.TransactionInterceptor.invoke(TransactionInterceptor.java:{})",
            "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:{})",
            "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:{})",
            "java.base/java.lang.Thread.run(Thread.java:{})",
            "com.microsoft.sqlserver.jdbc.SQLServerConnection.connect(SQLServerConnection.java:{})",
        ]

        def trace():
            lines = [f"java.sql.SQLException: Login failed for user 'sa'. ClientConnectionId:{g.uuid()}"]
            for _ in range(g.n(4, 12)):
                lines.append("\tat " + g.rng.choice(frames).format(g.n(20, 2000)))
            lines.append(f"Caused by: java.net.SocketTimeoutException: connect timed out to {g.host('fqdn')}.corp.example/{g.ip()}:1433")
            lines.append("\t... " + str(g.n(5, 40)) + " more")
            return "\n".join(lines)

        th = lambda: g.rng.choice([f"http-nio-8080-exec-{g.n(1, 200)}", f"pool-{g.n(1, 9)}-thread-{g.n(1, 32)}", "main", "scheduler-1"])
        return [
            (12, lambda: f".{g.ms()} INFO  [{th()}] c.e.l.OrderService - processed order {g.n(1, 999999)} in {g.n(1, 900)} ms (items={g.n(1, 30)})"),
            (6, lambda: f".{g.ms()} DEBUG [{th()}] c.e.l.db.Pool - pool stats active={g.n(0, 50)} idle={g.n(0, 50)} waiting={g.n(0, 9)}"),
            (2, lambda: f".{g.ms()} ERROR [{th()}] c.e.l.db.Pool - Cannot acquire connection\n{trace()}"),
            (2, lambda: f".{g.ms()} DEBUG [{th()}] c.e.l.db.Pool - using Server={g.host('connstr')};Database=ledger;User Id=sa;Password={g.secret('connstr')};Encrypt=true"),
            (2, lambda: f".{g.ms()} WARN  [{th()}] c.e.l.Clock - drift at {g.decoy(DECOY_CLOCK)} was {g.n(1, 999)} ms; {g.decoy(DECOY_CPP)} overflow in native bridge"),
            (2, lambda: f".{g.ms()} INFO  [{th()}] c.e.l.Remote - fetching https://{g.user('url-user')}:{g.secret('url')}@repo.fake.example/releases/{g.decoy(DECOY_UUIDS[1])}.tar.gz"),
            (1, lambda: f".{g.ms()} INFO  [{th()}] c.e.l.Mail - notify {g.email('free')}, cc {g.email('free')}"),
            (1, lambda: f".{g.ms()} INFO  [{th()}] c.e.l.Aws - using access key {g.secret('aws')} for bucket {g.kw('free')}-exports"),
            (1, lambda: f".{g.ms()} WARN  [{th()}] c.e.l.db.Replica - replica {g.decoy(DECOY_NAMES[3])} lag {g.n(1, 90)}s"),
        ]

    def job_templates(self):
        g = self
        return [
            (10, lambda: f"step {g.n(1, 40)}: copied {g.n(1, 99999)} blocks ({g.n(1, 999)}.{g.n(0, 9)} MB/s) chunk={g.hexs(16)}"),
            (6, lambda: f"step {g.n(1, 40)}: verifying {g.uuid()} ok"),
            (3, lambda: f"exec: /opt/backup/bin/push --user {g.user('free')} --password={g.secret('cli')} --target {g.host('free')}"),
            (2, lambda: f"exec: curl -sS -H \"Authorization: Basic {g.secret('basic')}\" https://{g.ip()}/api/status"),
            (2, lambda: f"exec: curl -sS -H 'Authorization: Bearer {g.secret('bearer')}' https://api.fake.example/v1/jobs"),
            (2, lambda: f"env: DB_PASSWORD={g.secret('kv')} DB_HOST={g.ip()} PGUSER=app"),
            (2, lambda: f"config: password = \"{g.secret('quoted')}\""),
            (1, lambda: f"notify: mail sent to {g.email('free')} about {g.kw('free')}"),
            (1, lambda: f"note: {g.decoy(DECOY_NAMES[5])} and {g.decoy(DECOY_NAMES[6])} skipped; jwt {g.secret('jwt')} rejected (expired)"),
        ]

    def configs(self) -> dict[str, str]:
        """A few small configuration files; each planted secret of the config forms occurs here."""
        g = self
        p = self.p
        files = {}
        yaml_lines = ["# app configuration", "server:", f"  host: {HOSTNAMES[1]}", "  port: 8443",
                      "database:"]
        for i, value in enumerate(p.secrets["yaml"]):
            yaml_lines += [f"  replica_{i}:", f"    host: {HOSTNAMES[2]}",
                           f"    user: {USERNAMES[i % len(USERNAMES)]}", f"    password: {value}"]
        yaml_lines += ["smtp:", f"  from: {p.emails[0]}", f"  api_key: {p.secrets['api'][0]}", ""]
        files["etc/app/config.yaml"] = "\n".join(yaml_lines)
        ini_lines = ["; legacy settings", "[general]", f"hostname={HOSTNAMES[0]}", f"customer={KEYWORD}", ""]
        for i, value in enumerate(p.secrets["ini"]):
            ini_lines += [f"[database{i}]", f"Server = {HOSTNAMES[2]}", f"User = {USERNAMES[i % 12]}",
                          f"Password = {value}", ""]
        for i, value in enumerate(p.secrets["quoted"]):
            ini_lines += [f"[smtp{i}]", f"password = \"{value}\"", ""]
        files["etc/app/settings.ini"] = "\n".join(ini_lines)
        props = ["# spring boot", f"spring.application.name={KEYWORD}-ledger"]
        for i, value in enumerate(p.secrets["kv"]):
            props.append(f"spring.datasource{i}.password={value}")
        for i, value in enumerate(p.secrets["url"]):
            props.append(f"mirror{i}.url=https://{USERNAMES[i % 12]}:{value}@mirror.fake.example/repo")
        for i, value in enumerate(p.secrets["api"]):
            props.append(f"integration{i}.api-key={value}")
        for value in p.secrets["aws"]:
            props.append(f"aws.accessKeyId={value}")
        files["etc/app/application.properties"] = "\n".join(props) + "\n"
        files["etc/jcagent/jcagent.conf"] = json.dumps({
            "agentServerHost": "agent.jumpcloud.com", "hostname": HOSTNAMES[0],
            "username": USERNAMES[0], "proxy": f"http://{USERNAMES[3]}:{p.secrets['url'][0]}@{p.ipv4[0]}:3128",
            "services": {"token": p.secrets["api"][1], "macs": p.macs[:3]},
        }, indent=2) + "\n"
        files["etc/ssl/private/server-fake.key"] = "\n".join(
            ["-----BEGIN RSA PRIVATE KEY-----"] + p.pem_blocks[0] + ["-----END RSA PRIVATE KEY-----", ""])
        files["etc/hostname"] = HOSTNAMES[0] + "\n"
        files["etc/hosts"] = "\n".join(["127.0.0.1 localhost"] + [
            f"{p.ipv4[i]} {h}.corp.example {h}" for i, h in enumerate(HOSTNAMES)]) + "\n"
        # Record what the configs planted.
        for cat, values in [("hostname", HOSTNAMES[:3]), ("username", USERNAMES), ("keyword", [KEYWORD]),
                            ("email", [p.emails[0]]), ("ipv4", p.ipv4[:len(HOSTNAMES)]), ("mac", p.macs[:3])]:
            self.written_values[cat].update(values)
        for form in ["yaml", "ini", "quoted", "kv", "url", "api", "aws"]:
            self.secret_forms[form].update(p.secrets[form])
        self.secret_forms["pem"].update(p.pem_blocks[0])
        for values in self.secret_forms.values():
            self.written_values["secret"].update(values)
        return files

    # ---- the tree ----
    def run(self) -> dict:
        out = self.out
        if out.exists() and any(out.iterdir()):
            raise SystemExit(f"gen.py: {out} exists and is not empty; remove it or pick another directory")
        out.mkdir(parents=True, exist_ok=True)
        pool_size = 12000

        jc = self.pool(self.jcagent_templates(), pool_size)
        sy = self.pool(self.syslog_templates(), pool_size)
        au = self.pool(self.auth_templates(), pool_size // 2)
        ev = self.pool(self.events_templates(), pool_size)
        ac = self.pool(self.access_templates(), pool_size)
        jv = self.pool(self.java_templates(), pool_size // 2)
        jb = self.pool(self.job_templates(), 4000)

        for rel, text in self.configs().items():
            self.write(rel, [text.encode()])

        # Many small files: 5 000 for 100 MiB, 20 000 for 1 GiB, at most ~22% of the tree.
        mb = self.size / MIB
        n_small = int(5000 * (mb / 100) ** 0.6)
        n_small = max(20, min(n_small, int(self.size * 0.22 / 4608)))
        t = BASE_TIME
        pending = list(jb[1])
        self.rng.shuffle(pending)
        for i in range(n_small):
            want = self.rng.randrange(1024, 8192)
            share = pending[: max(0, len(pending) // max(1, n_small - i))]
            del pending[: len(share)]
            self.cur = []
            header = (f"# job {self.uuid()} on {self.host('free')} by {self.user('free')}\n").encode()
            for key in self.cur:
                self.written_values[key[0]].add(key[1])
            self.cur = []
            blocks = [header] + list(self.render(jb[0], share, want - len(header), t, iso_prefix))
            self.write(f"var/spool/jobs/{i // 500:03d}/job-{i:05d}.log", blocks, rendered=True)
            t += self.rng.randrange(60, 600)

        base = self.size - self.bytes
        # jcagent: current, .1, and four gzip-rotated files (oldest first, so time runs forward).
        t = BASE_TIME
        rotated_parts = self._split(jc[1], 6)
        for k in (5, 4, 3, 2):
            self.write(f"var/log/jcagent.log.{k}.gz",
                       self.render(jc[0], rotated_parts[k], int(base * 0.08), t, jc_prefix), gz=True, rendered=True)
            t = self.last_time
        self.write("var/log/jcagent.log.1", self.render(jc[0], rotated_parts[1], int(base * 0.10), t, jc_prefix), rendered=True)
        t = self.last_time
        self.write("var/log/jcagent.log", self.render(jc[0], rotated_parts[0], int(base * 0.12), t, jc_prefix), rendered=True)

        syp = self._split(sy[1], 2)
        self.write("var/log/syslog.1", self.render(sy[0], syp[1], int(base * 0.05), BASE_TIME, syslog_prefix), rendered=True)
        self.write("var/log/syslog", self.render(sy[0], syp[0], int(base * 0.12), self.last_time, syslog_prefix), rendered=True)
        self.write("var/log/auth.log", self.render(au[0], au[1], int(base * 0.05), BASE_TIME, syslog_prefix), rendered=True)
        self.write("var/log/nginx/access.log",
                   self.render(ac[0], ac[1], int(base * 0.15), BASE_TIME, None, inline=access_ts), rendered=True)
        self.write("opt/ledger/logs/server.log", self.render(jv[0], jv[1], int(base * 0.11), BASE_TIME, java_prefix), rendered=True)
        # The JSON events fill what is left, so the tree lands near the size asked for.
        rest = max(self.size - self.bytes, int(base * 0.02))
        self.write("app/events.jsonl", self.render(ev[0], ev[1], rest, BASE_TIME, json_prefix), rendered=True)

        planted = {c: sorted(v) for c, v in self.written_values.items()}
        key = {
            "planted": planted,
            "secret_forms": {f: sorted(v) for f, v in self.secret_forms.items()},
            "decoys": [{"text": d, "count": self.decoy_counts[d]} for d in DECOYS],
            "keywords": [KEYWORD],
            "bytes": self.bytes,
            "files": self.files,
            "size_mb": self.size / MIB,
            "seed": self.seed,
            "generator": 1,
        }
        return key

    def _split(self, items, n):
        items = list(items)
        self.rng.shuffle(items)
        return [items[i::n] for i in range(n)]


def _fmt_cache(fn):
    cache: dict[int, bytes] = {}

    def wrapped(t: int) -> bytes:
        v = cache.get(t)
        if v is None:
            if len(cache) > 4096:
                cache.clear()
            v = cache[t] = fn(time.gmtime(t)).encode()
        return v
    return wrapped


jc_prefix = _fmt_cache(lambda tm: f"{tm.tm_year}/{tm.tm_mon:02d}/{tm.tm_mday:02d} {tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} ")
syslog_prefix = _fmt_cache(lambda tm: f"{MONTHS[tm.tm_mon - 1]} {tm.tm_mday:2d} {tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} ")
java_prefix = _fmt_cache(lambda tm: f"{tm.tm_year}-{tm.tm_mon:02d}-{tm.tm_mday:02d} {tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}")
json_prefix = _fmt_cache(lambda tm: f"{{\"ts\":\"{tm.tm_year}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}")
iso_prefix = _fmt_cache(lambda tm: f"{tm.tm_year}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}Z ")
access_ts = _fmt_cache(lambda tm: f"{tm.tm_mday:02d}/{MONTHS[tm.tm_mon - 1]}/{tm.tm_year}:{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} +0000")


def key_path(out_dir: Path) -> Path:
    """The answer key sits next to the tree, never inside it."""
    return out_dir.parent / (out_dir.name + ".key.json")


def generate(size_mb: float, out_dir: Path, seed: int = 1) -> dict:
    out_dir = Path(out_dir)
    gen = Gen(size_mb, out_dir, seed)
    key = gen.run()
    tmp = key_path(out_dir).with_suffix(".tmp")
    tmp.write_text(json.dumps(key, indent=1) + "\n")
    os.replace(tmp, key_path(out_dir))
    return key


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("size_mb", type=float, help="about this many MiB on disk (100 and 1024 are used)")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.size_mb <= 0:
        ap.error("SIZE_MB must be positive")
    start = time.monotonic()
    key = generate(args.size_mb, args.out_dir, args.seed)
    secs = time.monotonic() - start
    print(f"gen.py: {key['files']} files, {key['bytes'] / 1e6:.1f} MB in {args.out_dir} "
          f"({secs:.1f} s, {key['bytes'] / 1e6 / secs:.0f} MB/s); key {key_path(args.out_dir)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
