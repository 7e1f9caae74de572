#!/usr/bin/env bash
# `tally lint` on a corpus of real Terraform: one invocation over the whole tree (wall time,
# CPU time, peak RSS), then per directory against c7n-left with an equivalent required-tag
# policy, on the same directories in the same run. A bench, not a timed test.
#
#   bench/lint-vs-c7n.sh CORPUS [DIRS]
#
# CORPUS: a tree of public Terraform fetched outside the repository (see scripts/corpus-lint.sh).
# DIRS: how many root directories to compare with c7n-left (default 20, a seeded sample of the
# roots scripts/lint-corpus.py finds). C7N: the c7n-left executable (default: c7n-left on PATH;
# install it from PyPI in a venv outside the repository). TALLY: the binary (default
# target/release/tally, built if missing). TALLY_RUNS / C7N_RUNS: runs per directory (20 / 3),
# timed as one interval per tool and directory. Policy: tags `owner` and `env` required on AWS
# resources that take tags, for both tools.
set -euo pipefail
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: bench/lint-vs-c7n.sh CORPUS [DIRS]" >&2
  exit 2
fi
corpus=$(cd "$1" && pwd)
ndirs=${2:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
tally=${TALLY:-$here/target/release/tally}
c7n=${C7N:-c7n-left}
if [ ! -x "$tally" ]; then
  (cd "$here" && cargo build --release --quiet)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seconds since the epoch from bash itself: `date` would fork and exec inside every timed
# interval, which cost more than a small `tally lint` takes.
now() { echo "${EPOCHREALTIME/,/.}"; }
# Both tools are timed the same way: RUNS back-to-back runs inside one interval, divided by RUNS
# (tally is run more often because each run is short; the per-run figure is what is compared).
tally_runs=${TALLY_RUNS:-20}
c7n_runs=${C7N_RUNS:-3}

files=$(find "$corpus" \( -name '*.tf' -o -name '*.tf.json' \) -not -path '*/.*' | wc -l)
bytes=$(find "$corpus" \( -name '*.tf' -o -name '*.tf.json' \) -not -path '*/.*' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
echo "corpus: $corpus ($files files, $bytes bytes), cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Whole tree, one invocation, best of 3 (wall, user+sys CPU, peak RSS in KiB).
best=""
for _ in 1 2 3; do
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
    "$tally" lint "$corpus" --required-tag owner --required-tag env --format json -o "$work/all.json" || [ $? -le 3 ]
  read -r wall user sys rss < <(tail -1 "$work/time")
  if [ -z "$best" ] || [ "$(echo "$wall < ${best%% *}" | bc -l)" = 1 ]; then best="$wall $user $sys $rss"; fi
done
read -r wall user sys rss <<<"$best"
echo "tally lint (whole tree, best of 3): wall ${wall}s, cpu $(echo "$user + $sys" | bc -l)s ($(echo "($user + $sys) / $wall" | bc -l | cut -c1-4) cores busy), peak RSS $((rss / 1024)) MiB"
jq -r '"  roots \(.inputs.roots // 1), AWS resources \(.inputs.terraform_resources), findings \(.summary.findings.total), partial \(.partial)"' "$work/all.json"

# Per directory: the same sampled roots, tally then c7n-left, interleaved.
python3 - "$corpus" "$ndirs" >"$work/dirs" <<'PY'
import os, random, sys
corpus, n = sys.argv[1], int(sys.argv[2])
dirs = sorted(d for d, _, fs in os.walk(corpus) if any(f.endswith(".tf") for f in fs) and "/." not in d)
rel = {os.path.relpath(d, corpus) for d in dirs}
roots = []
for d in dirs:
    parts = os.path.relpath(d, corpus).split(os.sep)
    if "examples" in parts or not any(os.sep.join(parts[:i]) in rel for i in range(1, len(parts))):
        roots.append(d)
random.Random(14).shuffle(roots)
print("\n".join(sorted(roots[:n])))
PY
mkdir -p "$work/policy"
cat >"$work/policy/required-tags.yml" <<'YML'
policies:
  - name: required-tags
    resource: "terraform.aws_*"
    filters:
      - taggable
      - or:
          - "tag:owner": absent
          - "tag:env": absent
YML
t_tally=0
t_c7n=0
n=0
echo "per directory: tally $tally_runs runs, c7n-left $c7n_runs runs per directory, each set timed as one interval"
while read -r dir; do
  s=$(now)
  for ((r = 0; r < tally_runs; r++)); do
    "$tally" lint "$dir" --required-tag owner --required-tag env --format json -o "$work/t.json" || [ $? -le 3 ]
  done
  e=$(now)
  a=$(echo "($e - $s) / $tally_runs" | bc -l)
  s=$(now)
  for ((r = 0; r < c7n_runs; r++)); do
    (cd "$work" && "$c7n" run -p "$work/policy" -d "$dir" -o json --output-file "$work/c.json" >/dev/null 2>&1) || true
  done
  e=$(now)
  b=$(echo "($e - $s) / $c7n_runs" | bc -l)
  t_tally=$(echo "$t_tally + $a" | bc -l)
  t_c7n=$(echo "$t_c7n + $b" | bc -l)
  n=$((n + 1))
  printf '  %-90s tally %7.4fs  c7n-left %7.2fs  (%s vs %s findings)\n' "${dir#"$corpus"/}" "$a" "$b" \
    "$(jq '.summary.findings.total' "$work/t.json")" "$(jq '.results | length' "$work/c.json" 2>/dev/null || echo '?')"
done <"$work/dirs"
echo "per directory ($n dirs): tally $(echo "$t_tally / $n" | bc -l | cut -c1-6)s, c7n-left $(echo "$t_c7n / $n" | bc -l | cut -c1-6)s: $(echo "$t_c7n / $t_tally" | bc -l | cut -d. -f1)x (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
