#!/usr/bin/env bash
# CI-gate speed: `tally plan` vs checkov (PyPI) with an equivalent custom required-tags check, on
# the same generated plan (default 10,000 resources). Not a timed test.
#   bench/plan-vs-checkov.sh [N]
# Installs checkov into .bench-venv on first use (a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 bench/gen_plan.py "$dir/plan.json" "$n"

if [ ! -x .bench-venv/bin/checkov ]; then
  [ -x .bench-venv/bin/python ] || python3 -m venv .bench-venv
  .bench-venv/bin/pip install --quiet 'checkov==3.2.*'
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

cargo build --release --quiet
time_of() {  # wall seconds of one run of "$@"
  local s e
  s=$(date +%s.%N)
  "$@" > "$dir/out" 2>&1 || true
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}
best_tally=""
for _ in 1 2 3 4 5; do
  t=$(time_of target/release/tally plan "$dir/plan.json" --required-tag team --format json -o "$dir/tally.json")
  if [ -z "$best_tally" ] || [ "$(echo "$t < $best_tally" | bc -l)" = 1 ]; then best_tally=$t; fi
done
tally_failed=$(python3 -c "import json;print(json.load(open('$dir/tally.json'))['summary']['findings']['total'])")
# Offline: no policy download or version check (they hang where the network is closed).
checkov_t=$(time_of env CHECKOV_SKIP_VERSION_CHECK=true BC_SKIP_MAPPING=TRUE \
  .bench-venv/bin/checkov -f "$dir/plan.json" --framework terraform_plan --skip-download \
  --external-checks-dir "$dir/checks" -c CKV_TALLY_1 -o json --output-file-path "$dir/ck")
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
printf 'plan: %d resources\n' "$n"
printf 'tally:   %.3f s (best of 5), %s findings\n' "$best_tally" "$tally_failed"
printf 'checkov: %.1f s, %s failed checks\n' "$checkov_t" "$checkov_failed"
printf 'ratio:   tally is %.0fx faster\n' "$(echo "$checkov_t / $best_tally" | bc -l)"
