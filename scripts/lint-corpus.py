#!/usr/bin/env python3
"""Lint every Terraform root in a corpus of public code and record the findings.

Usage:
  scripts/lint-corpus.py run CORPUS OUT.jsonl [--tally BIN] [--required-tag KEY ...]
  scripts/lint-corpus.py compare BEFORE.jsonl AFTER.jsonl [--sample N]

`run` lints each directory under CORPUS that holds `*.tf` files and is an example or a root
(its path has an `examples/` or `wrappers/` part, or it has no parent with `.tf` files), one
`tally lint DIR --format json` per directory, and writes one JSON line per directory: its path,
exit code, findings (rule, severity, address, message) and diagnostics count.

`compare` counts, per rule and overall, the findings that disappeared, appeared or changed
severity between two runs (for example the released binary and a branch), and prints a
reproducible random sample of each kind (seeded) for hand-checking.

The corpus is never part of the repository: fetch it elsewhere (for example under /work/ext/).
"""

import argparse
import collections
import json
import os
import random
import subprocess
import sys


def roots(corpus):
    dirs = sorted(
        d for d, _, files in os.walk(corpus) if any(f.endswith(".tf") for f in files) and "/.terraform" not in d
    )
    rel_dirs = {os.path.relpath(t, corpus) for t in dirs}
    out = []
    for d in dirs:
        parts = os.path.relpath(d, corpus).split(os.sep)
        parent_has_tf = any(os.sep.join(parts[:i]) in rel_dirs for i in range(1, len(parts)))
        if "examples" in parts or "wrappers" in parts or not parent_has_tf:
            out.append(d)
    return out


def run(args):
    tags = []
    for t in args.required_tag or ["Owner"]:
        tags += ["--required-tag", t]
    with open(args.out, "w", encoding="utf-8") as out:
        for d in roots(args.corpus):
            p = subprocess.run(
                [args.tally, "lint", d, "--format", "json", *tags],
                capture_output=True,
                text=True,
                env=dict(os.environ, NO_COLOR="1"),
                timeout=300,
            )
            rec = {"dir": os.path.relpath(d, args.corpus), "code": p.returncode}
            try:
                report = json.loads(p.stdout)
                rec["findings"] = [
                    {
                        "rule": f["rule_id"],
                        "severity": f["severity"],
                        "address": f["resource"].get("address", ""),
                        "message": f["message"],
                    }
                    for f in report["findings"]
                ]
                rec["diagnostics"] = len(report.get("diagnostics", []))
            except (json.JSONDecodeError, KeyError):
                rec["error"] = p.stderr.strip()[:500]
            out.write(json.dumps(rec, sort_keys=True) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


def load(path):
    with open(path, encoding="utf-8") as f:
        return {r["dir"]: r for r in map(json.loads, f)}


def compare(args):
    before, after = load(args.before), load(args.after)
    counts = collections.Counter()
    kinds = collections.defaultdict(list)
    for d in sorted(set(before) | set(after)):
        b = {(f["rule"], f["address"]): f for f in before.get(d, {}).get("findings", [])}
        a = {(f["rule"], f["address"]): f for f in after.get(d, {}).get("findings", [])}
        counts["dirs"] += 1
        counts["findings_before"] += len(b)
        counts["findings_after"] += len(a)
        counts["errors_before"] += sum(f["severity"] == "error" for f in b.values())
        counts["errors_after"] += sum(f["severity"] == "error" for f in a.values())
        counts["partial_before"] += before.get(d, {}).get("code") == 3
        counts["partial_after"] += after.get(d, {}).get("code") == 3
        for key in b.keys() - a.keys():
            kinds["gone"].append((d, b[key]))
        for key in a.keys() - b.keys():
            kinds["new"].append((d, a[key]))
        for key in a.keys() & b.keys():
            if (a[key]["severity"], a[key]["message"]) != (b[key]["severity"], b[key]["message"]):
                kinds["changed"].append((d, b[key], a[key]))
    for k, v in kinds.items():
        counts[k] = len(v)
    counts["if_created_after"] = sum(
        "if created" in f["message"] for r in after.values() for f in r.get("findings", [])
    )
    print(json.dumps(counts, indent=1, sort_keys=True))
    rng = random.Random(14)
    for kind, items in sorted(kinds.items()):
        print(f"\n== {kind}: sample of {min(args.sample, len(items))} of {len(items)}")
        for item in rng.sample(items, min(args.sample, len(items))):
            d = item[0]
            rest = " -> ".join(f"[{f['severity']}] {f['message']}" for f in item[1:])
            print(f"- {d}: {rest}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("corpus")
    r.add_argument("out")
    r.add_argument("--tally", default="target/debug/tally")
    r.add_argument("--required-tag", action="append")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    c.add_argument("--sample", type=int, default=20)
    args = parser.parse_args()
    run(args) if args.cmd == "run" else compare(args)


if __name__ == "__main__":
    main()
