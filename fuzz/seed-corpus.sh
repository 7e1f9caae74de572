#!/usr/bin/env bash
# Seed fuzz/corpus/<target>/ from the repository's fixtures and the acme example. The corpus is
# generated, never committed (fuzz/corpus is gitignored); re-running refreshes the seeds and
# keeps whatever libFuzzer added.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus

seed() { # seed TARGET FILE...
  local target=$1; shift
  mkdir -p "$corpus/$target"
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "$corpus/$target/seed-$(printf '%s' "$f" | tr '/ ' '__')"
  done
}

mapfile -t tf < <(find tests/fixtures terraform-examples -name '*.tf' -o -name '*.tfvars' | sort)
seed hcl "${tf[@]}"
# The whole acme example as one file: modules, providers, locals and resources together.
cat terraform-examples/acme/*.tf > "$corpus/hcl/seed-acme-all.tf"

mapfile -t plans < <(find tests/fixtures/plan tests/fixtures/bad/plan -type f | sort)
seed plan "${plans[@]}" terraform-examples/acme/plan.json

mapfile -t states < <(find tests/fixtures terraform-examples -name '*.tfstate' | sort)
seed state "${states[@]}"

mapfile -t policies < <(find tests/fixtures -name 'policy*.hcl' -o -name 'equivalent.hcl' | sort)
seed policy "${policies[@]}" rules/*.hcl

seed org_policy tests/fixtures/policy/org/org-policy.json

mapfile -t exemptions < <(find tests/fixtures terraform-examples -name 'exemptions*.hcl' | sort)
seed exemptions "${exemptions[@]}"

mapfile -t snapshots < <(find tests/fixtures terraform-examples -name '*snapshot.json' | sort)
seed snapshot "${snapshots[@]}"

# tests/fixtures/fuzz holds inputs that fuzzing found too slow: not seeds.
mapfile -t configs < <(find tests/fixtures terraform-examples -name 'tally.hcl' -not -path 'tests/fixtures/fuzz/*' | sort)
seed config "${configs[@]}"

mapfile -t csvs < <(find tests/fixtures -name '*.csv' | sort)
seed costs_csv "${csvs[@]}"
# A FOCUS 1.x file (the fixtures hold CUR only).
cat > "$corpus/costs_csv/seed-focus.csv" <<'CSV'
BillingAccountId,SubAccountId,ChargePeriodStart,ChargePeriodEnd,BillingPeriodStart,ChargeCategory,ServiceName,ResourceId,BilledCost,EffectiveCost,BillingCurrency,Tags
111111111111,222222222222,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,2026-10-01T00:00:00Z,Usage,Amazon EC2,i-0abc,1.20,1.10,USD,"{""team"":""payments"",""owner"":""jane.doe@example.com""}"
111111111111,222222222222,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,2026-10-01T00:00:00Z,Tax,Tax,,3.00,3.00,USD,
111111111111,222222222222,2026-10-02T00:00:00Z,2026-10-03T00:00:00Z,2026-10-01T00:00:00Z,Credit,Amazon S3,,-0.50,-0.50,USD,{}
CSV

for d in "$corpus"/*/; do
  printf '%-12s %4d seeds\n' "$(basename "$d")" "$(ls "$d" | wc -l)"
done
