#!/usr/bin/env bash
# CI-gate speed: `tally plan` vs checkov (PyPI) with an equivalent custom required-tags check, on
# the same generated plan (default 10,000 resources). Not a timed test.
#   bench/plan-vs-checkov.sh [N] [RUNS]        default 10,000 resources, 5 runs
# Installs checkov into $BENCH_VENV (default .bench-venv) on first use (a few minutes).
# Interleaved: each run times tally 5 times and checkov once; medians of tally's runs and of
# checkov's are compared. The last line is a RESULT line for bench/all.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
runs=${2:-5}
venv=${BENCH_VENV:-.bench-venv}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 bench/gen_plan.py "$dir/plan.json" "$n"

if [ ! -x "$venv/bin/checkov" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'checkov==3.2.*'
fi

# The same policy for both: every taggable resource must carry `team` (tags merged with
# default_tags, i.e. tags_all).
mkdir -p "$dir/checks"
touch "$dir/checks/__init__.py"  # checkov only loads external checks from a Python package
cat > "$dir/checks/required_team.py" <<'PY'
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class RequiredTeamTag(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="Resources must carry the team tag",
            id="CKV_TALLY_1",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["aws_*"],
        )

    def scan_resource_conf(self, conf):
        tags = conf.get("tags_all") or conf.get("tags") or [{}]
        tags = tags[0] if isinstance(tags, list) and tags else tags
        return CheckResult.PASSED if isinstance(tags, dict) and "team" in tags else CheckResult.FAILED


check = RequiredTeamTag()
PY

if [ -n "${TALLY_BIN:-}" ]; then
  bin=$TALLY_BIN
else
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-target}/release/tally
fi
time_of() {  # wall seconds of one run of "$@"
  local s e
  s=$(date +%s.%N)
  "$@" > "$dir/out" 2>&1 || true
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
tally_ts=() checkov_ts=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$runs"); do
  for _ in 1 2 3 4 5; do
    tally_ts+=("$(time_of "$bin" plan "$dir/plan.json" --required-tag team --format json -o "$dir/tally.json")")
  done
  # Offline: no policy download or version check (they hang where the network is closed).
  checkov_ts+=("$(time_of env CHECKOV_SKIP_VERSION_CHECK=true BC_SKIP_MAPPING=TRUE \
    "$venv/bin/checkov" -f "$dir/plan.json" --framework terraform_plan --skip-download \
    --external-checks-dir "$dir/checks" -c CKV_TALLY_1 -o json --output-file-path "$dir/ck")")
  printf 'run %d: tally %s s (median of 5) | checkov %.1f s | load %s\n' "$i" \
    "$(median "${tally_ts[@]: -5}")" "${checkov_ts[-1]}" "$(cut -d' ' -f1 /proc/loadavg)"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
tally_t=$(median "${tally_ts[@]}")
checkov_t=$(median "${checkov_ts[@]}")
tally_failed=$(python3 -c "import json;print(json.load(open('$dir/tally.json'))['summary']['findings']['total'])")
checkov_failed=$(python3 - "$dir/ck" <<'PY'
import json, os, sys
d = sys.argv[1]
path = os.path.join(d, "results_json.json")
data = json.load(open(path))
data = data if isinstance(data, list) else [data]
print(sum(r.get("summary", {}).get("failed", 0) for r in data))
PY
)
if [ "$tally_failed" != "$checkov_failed" ]; then
  echo "the two tools disagree: tally $tally_failed findings, checkov $checkov_failed failed checks" >&2
  exit 1
fi
printf 'plan: %d resources, %s cores, load %s before, %s after\n' "$n" "$(nproc)" "$load_before" "$load_after"
printf 'tally:   %.3f s (median of %d runs), %s findings\n' "$tally_t" "${#tally_ts[@]}" "$tally_failed"
printf 'checkov: %.1f s (median of %d runs), %s failed checks\n' "$checkov_t" "${#checkov_ts[@]}" "$checkov_failed"
printf 'ratio:   tally is %.0fx faster\n' "$(echo "$checkov_t / $tally_t" | bc -l)"
# RESULT name tally_s peer peer_s ratio tally_peak_mib peer_peak_mib
printf 'RESULT plan-%s %s checkov %s %s - -\n' "$n" "$tally_t" "$checkov_t" "$(echo "$tally_t / $checkov_t" | bc -l)"
