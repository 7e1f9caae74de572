#!/usr/bin/env bash
# Region scaling of `tally collect` (release build): wall time for N regions of equal size
# against 1 region (goal: 8 regions within 1.25x of 1). Not a timed test.
#   bench/regions.sh [RESOURCES_PER_REGION] [LATENCY_MS]      defaults 500, 50
#   (SKIP_MOTO=1 measures the fake endpoint only; RUNS=N runs per point, default 5, median)
# Two endpoints, both on 127.0.0.1:
#   moto            seeded through its own API (one RunInstances of N tagged instances per region),
#                   with tests/support/cloudcontrol_fake.py serving Cloud Control from its state
#   bench/fake_aws.py  synthetic answers after LATENCY_MS per request (AWS's round trip), so the
#                   collector's scaling shows without moto's per-request cost
# Needs .moto-venv (scripts/test creates it). Prints one line per endpoint and region count.
set -euo pipefail
cd "$(dirname "$0")/.."
per_region=${1:-500}
latency=${2:-50}
counts=(1 4 8)
runs=${RUNS:-5}
all_regions=(us-east-1 us-east-2 us-west-1 us-west-2 eu-west-1 eu-west-2 eu-central-1 ap-southeast-2)
python=.moto-venv/bin/python
if [ ! -x "$python" ]; then
  echo "bench/regions.sh: run scripts/test once first (it creates .moto-venv)" >&2
  exit 2
fi
# TALLY_BIN: a tally binary to measure instead of building the release one.
if [ -n "${TALLY_BIN:-}" ]; then
  bin=$TALLY_BIN
else
  target=${CARGO_TARGET_DIR:-target}
  cargo build --release --quiet
  bin=$target/release/tally
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start() {  # start "$@" (a server that prints "ready"), remember its pid
  local ready="$work/ready.${#pids[@]}"
  "$@" > "$ready" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q ready "$ready" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench/regions.sh: server did not start: $*" >&2
  exit 1
}

collect() {  # collect ENDPOINT REGIONS [CC_ENDPOINT] -> "wall_seconds resources" (median of $runs)
  local walls=() n=0
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    AWS_ENDPOINT_URL=$1 AWS_ENDPOINT_URL_CLOUDCONTROL=${3:-$1} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
      AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
      "$bin" collect --quiet --no-cache --as-of 2026-11-18 --regions "$2" -o "$work/snapshot.json"
    t1=$(date +%s.%N)
    local wall
    wall=$(echo "$t1 - $t0" | bc -l)
    walls+=("$wall")
    n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["resources"]))' "$work/snapshot.json")
  done
  echo "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p") $n"
}

report() {  # report NAME ENDPOINT [CLOUD_CONTROL_ENDPOINT]
  local base=""
  for c in "${counts[@]}"; do
    local regions
    regions=$(IFS=,; echo "${all_regions[*]:0:$c}")
    read -r wall n < <(collect "$2" "$regions" "${3:-$2}")
    [ -z "$base" ] && base=$wall
    printf '%-22s %d region(s)  %5d resources  %6.2f s  %5.2fx\n' "$1" "$c" "$n" "$wall" "$(echo "$wall / $base" | bc -l)"
  done
}

echo "tally collect ($bin), $per_region resources per region, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"

# SKIP_MOTO=1: only the fake endpoint (moto's own per-request cost dominates its rows).
if [ -z "${SKIP_MOTO:-}" ]; then
port=$(free_port)
start "$python" tests/support/moto_run.py "$port"
echo "seeding moto: $per_region instances in each of ${#all_regions[@]} regions..."
"$python" bench/seed_regions.py "http://127.0.0.1:$port" "$per_region" "${all_regions[@]}"
cc_port=$(free_port)
start "$python" tests/support/cloudcontrol_fake.py "$cc_port" "http://127.0.0.1:$port"
report "moto" "http://127.0.0.1:$port" "http://127.0.0.1:$cc_port"
fi

port=$(free_port)
start python3 bench/fake_aws.py "$port" "$per_region" "$latency"
report "fake, ${latency} ms/request" "http://127.0.0.1:$port"
port=$(free_port)
start python3 bench/fake_aws.py "$port" "$per_region" 0
report "fake, 0 ms/request" "http://127.0.0.1:$port"
