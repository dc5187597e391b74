#!/usr/bin/env python3
"""Writes the fleet test's fixtures: the fleet key, the controller's data folder holding it, and
a fake disk per endpoint with a JumpCloud agent log full of planted, obviously fake originals.

    fixtures.py CASEFILE_BIN DIR     (writes DIR/planted.json for verify.py)
"""

import json
import subprocess
import sys
from pathlib import Path

HOSTS = {
    # inventory name: (OS, where the agent log is on its disk, user, address)
    "wks-finance-07": ("linux", "var/log/jcagent.log", "jdoe-fake", "10.20.30.41"),
    "wks-finance-08": ("linux", "var/log/jcagent.log", "asmith-fake", "10.20.30.42"),
    "lab-win-fake-3": ("windows", "Windows/Temp/jcagent.log", "tnakamura-fake", "10.20.30.43"),
}


def main() -> int:
    binary, root = sys.argv[1], Path(sys.argv[2])
    key = subprocess.run(
        [binary, "--data-dir", str(root / "keymaker"), "key", "export"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    (root / "fleet.key").write_text(key + "\n")
    (root / "controller").mkdir()
    subprocess.run(
        [binary, "--data-dir", str(root / "controller" / "data"), "key", "import", "-"],
        input=key, check=True, capture_output=True, text=True,
    )
    planted = {"secrets": [], "names": list(HOSTS) + ["db-orion-fake", "edge-gone-fake"], "addresses": []}
    for n, (host, (os_name, log, user, address)) in enumerate(HOSTS.items()):
        disk = root / host / "root"
        secret = f"FAKEconnectKey{n}a9f3c2e1d0b8a7c6"
        lines = [
            f"2026/11/22 09:55:0{n} [1618] [INFO] Agent starting on hostname={host}",
            f"2026/11/22 09:55:0{n} [1618] [INFO] connectKey={secret}",
            f"2026/11/22 09:55:0{n} [1618] [INFO] Local user sync: user={user} uid=1039",
            f"2026/11/22 09:55:0{n} [1618] [ERROR] checkin to console failed from {address}: timeout",
        ]
        text = "\r\n".join(lines) + "\r\n" if os_name == "windows" else "\n".join(lines) + "\n"
        path = disk / log
        path.parent.mkdir(parents=True)
        path.write_text(text)
        if os_name == "linux":
            (disk / "etc").mkdir()
            (disk / "etc" / "hostname").write_text(host + "\n")
        planted["secrets"].append(secret)
        planted["names"].append(user)
        planted["addresses"].append(address)
    (root / "planted.json").write_text(json.dumps(planted, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
