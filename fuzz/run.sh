#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, as `.ci/run` does:
#   fuzz/run.sh [SECONDS_PER_TARGET]        (default 45)
#
# The same instrumentation `cargo fuzz build --dev --sanitizer none` gives
# (libFuzzer's coverage counters and compare tracing, `--cfg fuzzing`), set
# directly, so neither cargo-fuzz nor a nightly toolchain is needed: the
# targets are safe Rust looking for panics, hangs and runaway memory, which
# need no AddressSanitizer. The build is the reader alone (taizhang without
# its `warehouse` feature), so DuckDB's C++ is not compiled for it.
#
# Each run is bounded as the hostile-file promise is: -rss_limit_mb=512 and
# -timeout=30 make a file that takes more memory or time a failure, and a
# crash leaves its input in fuzz/artifacts/<target>/ for a regression test.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-45}"
export CARGO_TARGET_DIR="${TAIZHANG_FUZZ_TARGET_DIR:-$HOME/.cache/taizhang-fuzz-target}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# With an explicit --target, RUSTFLAGS reach the targets' code only, not
# build scripts and proc macros (which cannot link libFuzzer's hooks).
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo build --quiet --bins --target "$host"
bin="$CARGO_TARGET_DIR/$host/debug"

# The workbook target starts from every fixture, each behind its format byte
# (0 xlsx, 1 xls, 2 xlsb, 3 ods, 4 csv).
mkdir -p corpus/workbook corpus/xlsx_parts corpus/xlsx_shapes corpus/normalisers
for f in ../tests/fixtures/*.* ../tests/fixtures/realworld/*.*; do
    case "${f##*.}" in
        xlsx|xlsm) b='\x00' ;; xls) b='\x01' ;; xlsb) b='\x02' ;; ods) b='\x03' ;; csv) b='\x04' ;;
        *) continue ;;
    esac
    seed="corpus/workbook/seed-$(basename "$f")"
    # Past libFuzzer's -max_len the seed would be cut; the big fixtures are read in the tests.
    if [ ! -e "$seed" ] && [ "$(stat -c %s "$f")" -lt 200000 ]; then
        { printf "$b"; cat "$f"; } > "$seed"
    fi
done

run() {
    local target="$1"; shift
    mkdir -p "artifacts/$target"
    echo "fuzz: $target for ${seconds}s"
    if ! "$bin/$target" "corpus/$target" "$@" -max_total_time="$seconds" -rss_limit_mb=512 \
        -timeout=30 -artifact_prefix="artifacts/$target/" > "artifacts/$target.log" 2>&1; then
        tail -n 40 "artifacts/$target.log" >&2
        echo "fuzz: $target failed; its input is in fuzz/artifacts/$target/" >&2
        return 1
    fi
    grep -E '^Done' "artifacts/$target.log" || tail -n 1 "artifacts/$target.log"
}
run workbook -max_len=200000
run xlsx_parts seeds/xlsx_parts -dict=xlsx.dict
run xlsx_shapes -max_len=256
run normalisers
