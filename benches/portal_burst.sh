#!/usr/bin/env bash
# The deadline-day burst of issue 18, at full size:
#
#     benches/portal_burst.sh            # CLIENTS=64 by default
#
# Builds the release binary, generates the national sample quarter once under
# bench-data/q1 (shared with benches/run.sh), serves an empty workspace on
# loopback and uploads every workbook of the quarter through the JSON API from
# CLIENTS concurrent curl clients, while another client asks for `GET /` every
# 200 ms. Then ingests the same files with the CLI into another empty
# workspace. Prints the burst's wall time, uploads per second, p50/p95/p99 of
# the upload latency, the slowest `GET /`, the answers by status, and the
# ratio to the CLI's ingest time (target: within 3x). The correctness side —
# every file answered once, the lake equal to a CLI ingest's — is the test
# `portal::a_deadline_burst_of_concurrent_uploads_ends_as_a_cli_ingest_of_the_same_files`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taizhang-target}"
CLIENTS="${CLIENTS:-64}"
DATA="${BENCH_DATA:-bench-data}"

# The same targets as benches/run.sh builds: with the example, dev-dependencies
# change some crates' features, and building the binary alone would compile it again.
cargo build --release --quiet --bin taizhang --example read_floor
BIN="$CARGO_TARGET_DIR/release/taizhang"
mkdir -p "$DATA"
[ -f "$DATA/q1/roster.csv" ] || "$BIN" sample --scale national --out "$DATA/q1"

WORK="$DATA/work/burst"
# The last run's workspaces are moved aside, and removed only once this run
# is measured: on ext4 without a journal a new inode skips every inode freed
# in the last one to six minutes, and removing some 12,000 files just before
# the burst made each file it created cost about a millisecond of kernel time
# (a quarter of the server's CPU, and more of its sys time than the CLI's,
# which creates fewer files). Runs started within six minutes of the last
# one's end still pay some of that.
if [ -e "$WORK" ]; then
    mv "$WORK" "$WORK.old.$$"
fi
mkdir -p "$WORK"
"$BIN" --workspace "$WORK/portal" init >/dev/null
cp "$DATA/q1/roster.csv" "$WORK/portal/roster.csv"
province=$(awk -F, '$3 == "province" { print $1; exit }' "$DATA/q1/roster.csv")
TOKEN=$("$BIN" --workspace "$WORK/portal" --json token add --region "$province" --role province |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

"$BIN" --workspace "$WORK/portal" serve --addr 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q listening "$WORK/serve.out" 2>/dev/null && break
    sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$WORK/serve.out")

# GET / every 200 ms until the burst ends.
touch "$WORK/burst.running"
(
    while [ -f "$WORK/burst.running" ]; do
        curl -s -o /dev/null -w '%{time_total}\n' "$URL/" >>"$WORK/home.txt"
        sleep 0.2
    done
) &
WATCHER=$!

find "$DATA/q1" -mindepth 3 -type f | sort >"$WORK/files.txt"
FILES=$(wc -l <"$WORK/files.txt")
export TOKEN URL
start=$(date +%s.%N)
xargs -P "$CLIENTS" -I{} -d '\n' sh -c '
    f=$1
    region=$(basename "$(dirname "$f")")
    period=$(basename "$(dirname "$(dirname "$f")")")
    curl -s -o /dev/null -w "%{http_code} %{time_total}\n" \
        -H "Authorization: Bearer $TOKEN" \
        -F "file=@$f" -F "period=$period" -F "region=$region" \
        "$URL/api/submissions"
' _ {} <"$WORK/files.txt" >"$WORK/uploads.txt"
end=$(date +%s.%N)
# The server's CPU seconds (user, system) from /proc: the clients share the
# host, so the burst's wall time says little of the server's own work.
server_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f %.2f", $14 / hz, $15 / hz }' "/proc/$SERVER/stat")
rm -f "$WORK/burst.running"
wait "$WATCHER" || true
# Then the server's own work once the burst is quiet: the commits left the
# lake's compaction to the rebuild, which compacts and builds the warehouse.
# Counted apart, beside the CLI's `build` of the same files.
python3 - "$WORK/portal/runs" "$end" <<'EOF'
import datetime, glob, json, sys, time
burst_end = float(sys.argv[2])
deadline = time.time() + 600
while time.time() < deadline:
    for path in glob.glob(f"{sys.argv[1]}/*.json"):
        try:
            run = json.load(open(path))
        except (OSError, ValueError):
            continue
        started = datetime.datetime.fromisoformat(run.get("started_at", "1970-01-01T00:00:00+00:00"))
        if run.get("command") == "serve: build" and run.get("ended_at") and started.timestamp() >= burst_end - 1:
            sys.exit(0)
    time.sleep(0.5)
sys.exit("no rebuild ended within 10 minutes of the burst")
EOF
after_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SERVER/stat")
kill "$SERVER" && wait "$SERVER" 2>/dev/null || true

"$BIN" --workspace "$WORK/cli" init >/dev/null
cp "$DATA/q1/roster.csv" "$WORK/cli/roster.csv"
cli_start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$WORK/cli.cpu" "$BIN" --workspace "$WORK/cli" ingest "$DATA/q1" >/dev/null || [ $? -eq 1 ]
cli_end=$(date +%s.%N)
cli_cpu=$(tail -n 1 "$WORK/cli.cpu")
/usr/bin/time -f "%U %S" -o "$WORK/cli-build.cpu" "$BIN" --workspace "$WORK/cli" build >/dev/null || [ $? -eq 1 ]
cli_build_cpu=$(tail -n 1 "$WORK/cli-build.cpu" | awk '{ printf "%.2f", $1 + $2 }')

batches=$(find "$WORK/portal/lake/_batches" -name '*.json' ! -name 'compact-*' | wc -l)

python3 - "$WORK" "$FILES" "$CLIENTS" "$start" "$end" "$cli_start" "$cli_end" $server_cpu $cli_cpu "$batches" "$after_cpu" "$cli_build_cpu" <<'EOF'
import collections, sys
work, files, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start, end, cli_start, cli_end = map(float, sys.argv[4:8])
server_user, server_sys, cli_user, cli_sys = map(float, sys.argv[8:12])
batches = int(sys.argv[12])
after_cpu, cli_build = float(sys.argv[13]), float(sys.argv[14])
uploads = [line.split() for line in open(f"{work}/uploads.txt") if line.strip()]
latency = sorted(float(t) for _, t in uploads)
statuses = collections.Counter(code for code, _ in uploads)
home = [float(t) for t in open(f"{work}/home.txt") if t.strip()]
def pct(p):
    return latency[min(len(latency) - 1, int(p * len(latency)))]
wall, cli = end - start, cli_end - cli_start
print(f"files                 {files}")
print(f"answers               {len(uploads)}  {dict(statuses)}")
print(f"clients               {clients}")
print(f"burst wall            {wall:.1f} s  ({len(uploads) / wall:.1f} uploads/s)")
print(f"upload latency        p50 {pct(0.50):.2f} s  p95 {pct(0.95):.2f} s  p99 {pct(0.99):.2f} s  max {latency[-1]:.2f} s")
print(f"GET / during burst    {len(home)} requests, slowest {max(home):.3f} s")
print(f"CLI ingest            {cli:.1f} s")
print(f"burst / CLI           {wall / cli:.2f}x  (wall; the clients share the host)")
server, cli_cpu = server_user + server_sys, cli_user + cli_sys
print(f"batches               {batches}  ({files / max(batches, 1):.1f} files each)")
print(f"server CPU            {server:.2f} s  ({server_user:.2f} user + {server_sys:.2f} sys)")
print(f"CLI CPU               {cli_cpu:.2f} s  ({cli_user:.2f} user + {cli_sys:.2f} sys)")
print(f"server / CLI, CPU     {server / cli_cpu:.2f}x per file  (target <= 1.3x)")
quiet = after_cpu - server
print(f"then, quiet           server {quiet:.2f} s (compaction + rebuild)  CLI build {cli_build:.2f} s")
print(f"burst + quiet / CLI ingest + build, CPU  {(server + quiet) / (cli_cpu + cli_build):.2f}x")
EOF

# Measured: the last run's workspaces can go now.
rm -rf "$DATA/work/burst.old."*
