#!/usr/bin/env python3
"""Regenerate tests/fixtures/functions/goldens.json from the real Terraform.

Every expression in tests/fixtures/functions/cases.txt (one per line, `#` comments) is
evaluated by `terraform console` in a directory holding only tests/fixtures/functions/locals.tf
(no providers needed) and its result
recorded as JSON, or the error Terraform reports. The evaluator's golden test
(src/terraform/eval/goldens.rs) evaluates the same expressions and compares.

Usage: scripts/gen-function-goldens.py [--terraform PATH]

Batching: console prints only its last result and stops at the first error, so each batch is
one expression, `jsonencode([try([E1], "ERR"), try([E2], "ERR"), ...])`: `try` turns a
failure into the marker, the one-element tuple keeps a null or a string "ERR" result apart
from it, and `jsonencode` gives an exact, single-line rendering of strings. Failures are then
re-run one by one to record Terraform's message. A batch that fails as a whole (an error
`try` cannot catch) is split case by case; one whose result is unknown to Terraform itself
(`(known after apply)`) is split in halves until the unknown case is found.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "fixtures", "functions", "cases.txt")
GOLDENS = os.path.join(ROOT, "tests", "fixtures", "functions", "goldens.json")
LOCALS = os.path.join(ROOT, "tests", "fixtures", "functions", "locals.tf")
BATCH = 60


def console(terraform, workdir, expr):
    """(ok, stdout, stderr) of one `terraform console` run on one expression."""
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.devnull, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    p = subprocess.run(
        [terraform, "console", "-no-color"],
        input=expr + "\n",
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=120,
    )
    return p.returncode == 0, p.stdout.strip(), p.stderr.strip()


def hcl_unquote(rendered):
    """The value of a one-line HCL string literal as console prints it."""
    if not (rendered.startswith('"') and rendered.endswith('"')):
        raise ValueError(f"not a quoted string: {rendered[:80]!r}")
    body = rendered[1:-1]
    out = []
    i = 0
    simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        c = body[i]
        if c == "\\":
            nxt = body[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
            elif nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
            elif nxt == "U":
                out.append(chr(int(body[i + 2 : i + 10], 16)))
                i += 10
            else:
                raise ValueError(f"unknown escape \\{nxt}")
        elif body.startswith("$${", i) or body.startswith("%%{", i):
            out.append(c + "{")
            i += 3
        else:
            out.append(c)
            i += 1
    return "".join(out)


def error_message(stderr):
    """The summary and detail lines of a console error, without the source excerpt."""
    lines = [l.strip() for l in stderr.splitlines()]
    lines = [l for l in lines if l and not l.startswith("on <console-input>") and l != "(source code not available)"]
    return " ".join(lines)


def run_batch(terraform, workdir, exprs):
    wrapped = ", ".join(f'try([{e}], "ERR")' for e in exprs)
    ok, out, err = console(terraform, workdir, f"jsonencode([{wrapped}])")
    if not ok:
        if len(exprs) == 1:
            return [{"error": error_message(err)}]
        results = []
        for e in exprs:
            results.extend(run_batch(terraform, workdir, [e]))
        return results
    if out == "(known after apply)":
        # Something in the batch is unknown even to Terraform (an impure function): split it.
        if len(exprs) == 1:
            # `try` answers unknown for a null of no particular type (`one([])`): ask without it.
            ok, out, err = console(terraform, workdir, f"jsonencode([{exprs[0]}])")
            if not ok:
                return [{"error": error_message(err)}]
            if out == "(known after apply)":
                return [{"unknown": True}]
            return [{"value": json.loads(hcl_unquote(out))[0]}]
        half = len(exprs) // 2
        return run_batch(terraform, workdir, exprs[:half]) + run_batch(terraform, workdir, exprs[half:])
    values = json.loads(hcl_unquote(out))
    results = []
    for e, v in zip(exprs, values):
        if v == "ERR":
            ok, _, err = console(terraform, workdir, e)
            results.append({"error": error_message(err) if not ok else "(caught by try only)"})
        else:
            results.append({"value": v[0]})
    return results


def read_cases():
    cases = []
    with open(CASES, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cases.append(line.strip())
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default="terraform")
    args = parser.parse_args()
    version = subprocess.run([args.terraform, "version"], capture_output=True, text=True).stdout.splitlines()[0]
    cases = read_cases()
    records = []
    with tempfile.TemporaryDirectory() as workdir:
        # Cases may reference these locals (no providers: console needs no `init`).
        with open(LOCALS, encoding="utf-8") as src, open(os.path.join(workdir, "locals.tf"), "w") as dst:
            dst.write(src.read())
        for start in range(0, len(cases), BATCH):
            chunk = cases[start : start + BATCH]
            for expr, result in zip(chunk, run_batch(args.terraform, workdir, chunk)):
                records.append({"expr": expr, **result})
            print(f"{min(start + BATCH, len(cases))}/{len(cases)}", file=sys.stderr)
    doc = {"terraform": version, "generated_by": "scripts/gen-function-goldens.py", "cases": records}
    with open(GOLDENS, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    errors = sum(1 for r in records if "error" in r)
    print(f"{len(records)} cases ({errors} errors) -> {os.path.relpath(GOLDENS, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
