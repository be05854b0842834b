#!/usr/bin/env bash
# The one-command GPU check (issue 13): on a machine with an NVIDIA GPU, CuPy (CUDA 13), PyTorch and pytest but no
# network, it
#   1. installs this package and its pure-Python dependencies from the wheels in .whl/ (`make gpu-wheels` prepares
#      them on a machine with network access; the folder is git-ignored) into $SITE (default /tmp/site), which it puts
#      on PYTHONPATH after the working tree (so the tests and benchmarks run the code checked out, the same code as
#      the package wheel, and take the dependencies from the wheels);
#   2. runs the CuPy test subset: every test parametrised with the `cupy` backend (`pytest -k cupy`), at most
#      $TEST_TIMEOUT seconds (default 180), its log and JUnit XML kept beside the results;
#   3. runs the GPU benchmark (`benchmarks/gpu.py`: ours on CuPy against torch CUDA, float32, forward and
#      forward+backward on the larger cases, and the training step), at most $BENCH_TIMEOUT seconds (default 100);
#   4. writes <gpu-kind>.md and <gpu-kind>.json into the output folder: the first argument, else $OUT if set, else
#      docs/performance/gpu, and then regenerates docs/performance.md (elsewhere, copy the two files into
#      docs/performance/gpu/ and run `python benchmarks/run.py --render-index`).
# All of it takes under 5 minutes. Where no GPU is usable (no CuPy, no device, torch without CUDA) the GPU parts are
# skipped, each with a line "SKIPPED: ... (why)", nothing is written, and the exit status is 0.
#
# Usage: benchmarks/gpu_check.sh [--dry-run] [--quick] [OUTPUT_FOLDER]
#   --dry-run  install nothing and run nothing on the GPU: import from the pure-Python wheels themselves (zip files
#              on PYTHONPATH), check the GPU, say what would run
#   --quick    the GPU benchmark on two cases only
# Exit status: 0 when everything that ran passed (or was skipped for want of a GPU); 1 when tests failed or a step
# failed or ran out of time; 2 for a bad argument.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
SITE=${SITE:-/tmp/site}
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-100}
dry_run=0
quick=""
out=""
for arg in "$@"; do
    case "$arg" in
        --dry-run) dry_run=1 ;;
        --quick) quick="--quick" ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) echo "gpu_check.sh: unknown option '$arg' (expected --dry-run, --quick or an output folder)" >&2; exit 2 ;;
        *) out=$arg ;;
    esac
done
out=${out:-${OUT:-docs/performance/gpu}}

say() { printf '[gpu_check] %s\n' "$*"; }
skipped() { printf '[gpu_check] SKIPPED: %s\n' "$*"; }
status=0
start=$SECONDS

# 1. The wheels.
shopt -s nullglob
wheels=(.whl/*.whl)
shopt -u nullglob
if [ ${#wheels[@]} -eq 0 ]; then
    say "no wheels in .whl/ (run 'make gpu-wheels' where there is network): using the packages installed here"
elif [ $dry_run -eq 1 ]; then
    say "dry run: would install ${#wheels[@]} wheels into $SITE: $(basename -a "${wheels[@]}" | tr '\n' ' ')"
    # Install nothing, but import from the pure-Python wheels themselves (zip files on PYTHONPATH), so that the
    # import check below tests what the wheels provide.
    for wheel in "${wheels[@]}"; do
        if [[ $wheel == *-none-any.whl ]]; then export PYTHONPATH="$PWD/$wheel${PYTHONPATH:+:$PYTHONPATH}"; fi
    done
else
    say "installing ${#wheels[@]} wheels from .whl/ into $SITE"
    if ! "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
            "${wheels[@]}"; then
        say "FAILED: installing the wheels"
        exit 1
    fi
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if ! "$PYTHON" -c "import tinygradconv, sys; print('[gpu_check] tinygradconv from', tinygradconv.__file__, \
'on Python', sys.version.split()[0])"; then
    say "FAILED: tinygradconv does not import (run 'make gpu-wheels' and carry .whl/)"
    exit 1
fi

# 2. Is there a GPU? (benchmarks/gpu.py probes CuPy and torch in a subprocess and says what it would measure.)
plan=$("$PYTHON" benchmarks/gpu.py --dry-run --out "$out" $quick) || { say "FAILED: the GPU probe"; exit 1; }
if [[ $plan == SKIPPED* ]]; then
    skipped "CuPy test subset (pytest -k cupy): no usable GPU here: ${plan##*no usable GPU here: }"
    printf '[gpu_check] %s\n' "$plan"
    say "done in $((SECONDS - start)) s: GPU parts skipped, nothing written"
    exit 0
fi
printf '[gpu_check] %s\n' "$plan"
if [ $dry_run -eq 1 ]; then
    say "dry run: would run 'pytest -k cupy' (at most $TEST_TIMEOUT s), then the GPU benchmark"
    exit 0
fi
mkdir -p "$out"

# 3. The CuPy test subset (in 4 processes where pytest-xdist is installed; a test module that cannot be imported
#    there is reported, and the others still run).
parallel=()
if "$PYTHON" -c "import xdist" 2>/dev/null; then parallel=(-n 4); fi
say "CuPy test subset: pytest -k cupy ${parallel[*]-} (at most $TEST_TIMEOUT s) ..."
timeout "$TEST_TIMEOUT" "$PYTHON" -m pytest -q -k cupy ${parallel[@]+"${parallel[@]}"} -p no:cacheprovider \
    --continue-on-collection-errors --junitxml "$out/gpu_tests.xml" 2>&1 | tee "$out/gpu_tests.log" | tail -n 25
rc=${PIPESTATUS[0]}
case $rc in
    0) say "CuPy tests passed" ;;
    124) say "FAILED: the CuPy tests ran out of time ($TEST_TIMEOUT s)"; status=1 ;;
    *) say "FAILED: the CuPy tests (pytest exit status $rc; see $out/gpu_tests.log)"; status=1 ;;
esac

# 4. The GPU benchmark, which also records the test counts.
say "GPU benchmark (at most $BENCH_TIMEOUT s) ..."
timeout "$BENCH_TIMEOUT" "$PYTHON" benchmarks/gpu.py --out "$out" --tests-junit "$out/gpu_tests.xml" $quick
rc=$?
if [ $rc -ne 0 ]; then
    say "FAILED: the GPU benchmark (exit status $rc$([ $rc -eq 124 ] && echo ', out of time'))"
    status=1
fi
if [ "$(cd "$out" && pwd -P)" = "$(cd docs/performance/gpu 2>/dev/null && pwd -P)" ]; then
    "$PYTHON" benchmarks/run.py --render-index || status=1     # the index of docs/performance.md gets the GPU
fi
say "done in $((SECONDS - start)) s, results in $out (exit status $status)"
exit $status
