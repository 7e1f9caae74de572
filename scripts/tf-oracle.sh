#!/usr/bin/env bash
# Ask terraform itself what tags a Terraform directory gives its AWS resources: copy DIR to a
# scratch directory, `terraform init` from a local provider mirror (no network), `terraform
# plan`, and print each planned AWS resource's address and `tags_all` as sorted JSON. Used to
# generate the `expected-tags.json` oracles of tests/fixtures/hcl/* (override files, tfvars).
#
#   scripts/tf-oracle.sh DIR [terraform plan flags...] > DIR/expected-tags.json
#
# PLUGINS (default /opt/tf-plugins) is a filesystem mirror holding hashicorp/aws. The directory
# must configure the aws provider with skip_credentials_validation, skip_requesting_account_id,
# skip_metadata_api_check and dummy keys, so that planning new resources needs no AWS account.
set -euo pipefail
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: scripts/tf-oracle.sh DIR [terraform plan flags...]" >&2
  exit 2
fi
dir=$1
shift
plugins=${PLUGINS:-/opt/tf-plugins}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$dir"/. "$work"/
rm -f "$work/expected-tags.json"
cat >"$work/.terraformrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$plugins"
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
CFG
export TF_CLI_CONFIG_FILE=$work/.terraformrc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
cd "$work"
terraform init -input=false -no-color >/dev/null
terraform plan -input=false -no-color -refresh=false -out=plan.bin "$@" >/dev/null
terraform show -json plan.bin | jq -S '
  [.planned_values.root_module | .. | objects | select(has("resources")) | .resources[]
   | select(.type | startswith("aws_")) | {key: .address, value: (.values.tags_all // {})}]
  | from_entries'
