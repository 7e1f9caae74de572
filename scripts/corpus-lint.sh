#!/usr/bin/env bash
# Lint a corpus of public Terraform (module collections, monorepos) in one `tally lint` run and
# print what a precision check needs: files, roots, resources, findings by rule, and the files
# that did not parse. The corpus itself is never committed; fetch it anywhere outside the repo.
#
#   scripts/corpus-lint.sh CORPUS_DIR [extra tally lint flags...]
#
# Default policy: required tags `owner` and `env` (override with --required-tag ... after the
# directory). TALLY=path/to/tally picks the binary (default: target/release/tally, built if
# missing). The JSON report is kept in $OUT (default: /tmp/corpus-lint.json) for sampling.
set -euo pipefail
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: scripts/corpus-lint.sh CORPUS_DIR [tally lint flags...]" >&2
  exit 2
fi
corpus=$1
shift
here=$(cd "$(dirname "$0")/.." && pwd)
tally=${TALLY:-$here/target/release/tally}
if [ ! -x "$tally" ]; then
  (cd "$here" && cargo build --release --quiet)
fi
out=${OUT:-/tmp/corpus-lint.json}
flags=("$@")
if [ ${#flags[@]} -eq 0 ]; then
  flags=(--required-tag owner --required-tag env)
fi

files_tf=$(find "$corpus" -name '*.tf' -not -path '*/.*' | wc -l)
files_json=$(find "$corpus" -name '*.tf.json' -not -path '*/.*' | wc -l)
bytes=$(find "$corpus" \( -name '*.tf' -o -name '*.tf.json' \) -not -path '*/.*' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
set +e
"$tally" lint "$corpus" --format json "${flags[@]}" >"$out"
code=$?
set -e
echo "corpus:            $corpus"
echo "files:             $files_tf .tf, $files_json .tf.json ($bytes bytes)"
echo "exit code:         $code"
jq -r '
  "roots:             \(.inputs.roots // 1)",
  "AWS resources:     \(.inputs.terraform_resources)",
  "other providers:   \(.inputs.other_provider_resources // 0)",
  "partial:           \(.partial)",
  "findings:          \(.summary.findings.total) (\(.summary.findings.error) error, \(.summary.findings.warning) warning, \(.summary.findings.info) info)",
  (.summary.findings.by_rule | to_entries[] | "  \(.key):          \(.value)"),
  "diagnostics:       \(.diagnostics | length)",
  "files not parsed:  \([.diagnostics[] | select(.message | startswith("cannot parse")) | .location.file] | unique | length)",
  (.diagnostics[] | select(.message | startswith("cannot parse")) | "  \(.location.file):\(.location.line):\(.location.column) \(.message)"),
  "other diagnostics by kind:",
  ([.diagnostics[] | select(.message | startswith("cannot parse") | not) | .message | sub("^[^:]*: "; "") | sub("\"[^\"]*\""; "\"…\""; "g") | .[0:70]] | group_by(.) | map({k: .[0], n: length}) | sort_by(-.n) | .[0:15][] | "  \(.n)\t\(.k)")
' "$out"
