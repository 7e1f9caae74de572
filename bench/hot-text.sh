#!/usr/bin/env bash
# Regenerates link/hot-text.txt, the order in which the release linker lays out the functions
# `tally` runs first (build.rs passes it to LLD as `--symbol-ordering-file`; see
# docs/performance.md, "Hot text first"). A small `tally lint` is mostly process start-up, and a
# good share of that is page faults on the 27 MB of machine code: the few thousand functions a
# run executes are spread over ~200 of its 64 KiB windows, and the kernel maps each window on
# first touch. Listed first, they sit together in a few.
#
#   bench/hot-text.sh [TERRAFORM_DIR]...
#
# Runs a release build under valgrind's callgrind (every function executed, not a sample) on
# the repository's own examples and fixtures, plus `tally lint` on each TERRAFORM_DIR given
# (real code reaches evaluator paths the fixtures do not), and writes the binary's executed
# functions, first-run first. Names that later builds no longer have are ignored by the linker,
# so a stale list costs only the win; rerun after large changes. Needs valgrind and python3.
# TALLY_BIN names a release build of this tree to profile instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench/hot-text.sh: needs valgrind" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${TALLY_BIN:-}" ]; then  # a release build of this tree made elsewhere
  cp "$TALLY_BIN" "$work/tally"
else
  cargo build --release --quiet
  cp "${CARGO_TARGET_DIR:-target}/release/tally" "$work/tally"
fi

n=0
run() {  # callgrind one invocation; findings (exit 1) and partial runs (3) are fine
  n=$((n + 1))
  valgrind --tool=callgrind --demangle=no --dump-line=no --dump-instr=no \
    --callgrind-out-file="$work/$(printf '%03d' "$n").out" "$work/tally" "$@" >/dev/null 2>&1 || [ $? -le 3 ]
}
req=(--required-tag owner --required-tag env)
run --version
run --help
run lint --help
run lint terraform-examples/acme "${req[@]}" --format json -o "$work/o"
run lint terraform-examples/acme "${req[@]}" -o "$work/o"
run lint tests/fixtures/lint/repo "${req[@]}" --format json -o "$work/o"
run lint tests/fixtures/hcl "${req[@]}" --format sarif -o "$work/o"
for dir in "$@"; do
  run lint "$dir" "${req[@]}" --format json -o "$work/o"
done
run audit terraform-examples/acme -o "$work/o"
run audit terraform-examples/acme --format json -o "$work/o"
run plan tests/fixtures/pricing/terraform/plan.json --required-tag team -o "$work/o"
run plan tests/fixtures/pricing/terraform/plan.json --required-tag team --format json -o "$work/o"
run plan tests/fixtures/pricing/terraform/plan.json --costs tests/fixtures/pricing/terraform/bill.csv \
  --format markdown -o "$work/o"

python3 - "$work" >link/hot-text.txt <<'PY'
import os, re, sys
work = sys.argv[1]
binary = os.path.join(work, "tally")
seen, order = set(), []
for out in sorted(f for f in os.listdir(work) if f.endswith(".out")):
    objects, names, current = {}, {}, None
    for line in open(os.path.join(work, out), errors="replace"):
        m = re.match(r"(c?ob|c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        kind, ident, name = m.groups()
        table = objects if kind.endswith("ob") else names
        if name is not None:
            table[ident] = name
        if kind == "ob":
            current = objects.get(ident)
        elif kind == "fn" and current == binary:
            # callgrind marks a recursion level or a cycle with a `'N` suffix: the symbol is
            # the name before it.
            name = re.sub(r"'\d+$", "", names.get(ident) or "")
            # Symbols only: not valgrind's "(below main)" nor the addresses it could not name.
            if re.fullmatch(r"[A-Za-z_.$][\w.$]*", name) and not name.startswith("0x") and name not in seen:
                seen.add(name)
                order.append(name)
print("\n".join(order))
PY
echo "link/hot-text.txt: $(wc -l <link/hot-text.txt) functions from $n runs" >&2
