#!/usr/bin/env bash
# Organisation-scale collection: wall time of `tally collect` over ACCOUNTS x REGIONS
# account-region units against one unit, on a loopback fake endpoint that adds LATENCY_MS to
# every request (AWS's round trip). Goal (#21): 21 accounts x 4 regions = 84 units within 2x of
# one unit, every resource arrived, Cost Explorer requests unchanged (2 per account). Not a
# timed test.
#   bench/org.sh [ACCOUNTS] [REGIONS] [RESOURCES_PER_REGION] [LATENCY_MS] [RUNS]
#                defaults 21 4 500 50 5
# Runs are interleaved (one unit, all units, all units at the old fixed bound of 8, ...) because
# the machine is shared; prints each run and the medians. bench/fake_aws.py is the endpoint
# (AssumeRole into any account, synthetic tagged instances, Cloud Control, empty Config and
# Cost Explorer). FAIL_ACCOUNT_ID=ID: that account's tagging API fails everywhere (every run exits 3).
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-21}
nregions=${2:-4}
per_region=${3:-500}
latency=${4:-50}
runs=${5:-5}
all_regions=(us-east-1 us-east-2 us-west-1 us-west-2 eu-west-1 eu-west-2 eu-central-1 ap-southeast-2
  ap-southeast-1 ap-northeast-1 ap-northeast-2 ap-south-1 ca-central-1 eu-north-1 eu-west-3 sa-east-1 us-east-1)
if [ -n "${TALLY_BIN:-}" ]; then
  bin=$TALLY_BIN
else
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-target}/release/tally
fi
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
FAIL_ACCOUNT=${FAIL_ACCOUNT_ID:-} python3 bench/fake_aws.py "$port" "$per_region" "$latency" > "$work/ready" 2>/dev/null &
pid=$!
for _ in $(seq 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done

ids=$(seq -f '1000000%05g' 1 "$accounts" | paste -sd,)
one_id=${ids%%,*}
regions=$(IFS=,; echo "${all_regions[*]:0:$nregions}")
counts() { curl -s "http://127.0.0.1:$port/counts"; }
ce() { python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get("GetCostAndUsage", 0))' "$1"; }

collect() {  # collect ACCOUNTS REGIONS [EXTRA...] -> "wall_s resources ce_requests exit"
  local a=$1 r=$2
  shift 2
  local before after t0 t1 rc=0
  before=$(counts)
  t0=$(date +%s.%N)
  AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$bin" collect --quiet --no-cache --as-of 2026-11-18 --accounts "$a" --role bench \
    --regions "$r" -o "$work/snapshot.json" "$@" 2> "$work/stderr" || rc=$?
  t1=$(date +%s.%N)
  after=$(counts)
  local n
  n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["resources"]))' "$work/snapshot.json")
  echo "$(echo "$t1 - $t0" | bc -l) $n $(( $(ce "$after") - $(ce "$before") )) $rc"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

units=$((accounts * nregions))
echo "tally collect ($bin): 1 unit vs $accounts accounts x $nregions regions = $units units," \
  "$per_region resources per unit, ${latency} ms per request, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
w1=() wn=() w8=()
for i in $(seq 1 "$runs"); do
  read -r a n1 c1 rc1 < <(collect "$one_id" "${all_regions[0]}")
  read -r b nn cn rcn < <(collect "$ids" "$regions")
  read -r c n8 c8 rc8 < <(collect "$ids" "$regions" --concurrency 8)
  w1+=("$a") wn+=("$b") w8+=("$c")
  printf 'run %d: 1 unit %5.2f s (%d resources, exit %d) | %d units %5.2f s (%d resources, %d CE requests, exit %d) | --concurrency 8: %5.2f s (%d resources, %d CE requests) | load %s\n' \
    "$i" "$a" "$n1" "$rc1" "$units" "$b" "$nn" "$cn" "$rcn" "$c" "$n8" "$c8" "$(cut -d' ' -f1 /proc/loadavg)"
done
m1=$(median "${w1[@]}") mn=$(median "${wn[@]}") m8=$(median "${w8[@]}")
printf 'medians: 1 unit %.2f s; %d units %.2f s (%.2fx); at the old fixed 8: %.2f s (%.2fx); expected resources %d\n' \
  "$m1" "$units" "$mn" "$(echo "$mn / $m1" | bc -l)" "$m8" "$(echo "$m8 / $m1" | bc -l)" $((units * per_region))
