#!/bin/bash
# The GPU check, on a machine with a CUDA device (the H200 test machine after scripts/gpu/prepare.sh and the two
# stage commands, or any machine after `make ort-gpu` with CUDA 13 + cuDNN 9 on LD_LIBRARY_PATH). Run from the repo
# root. Writes gpu-check.log, info.txt and info.json to $OUT (default build/gpu-check).
#   GPU_CHECK_OFFICIAL=0  skip converting the official v3 pack (random weights, tile 256; needs python3 with
#                         torch >= 2.9, ~2 min on 16 cores) for the benchmark table
#   GPU_CHECK_TIMEOUT     go test timeout for the checks (default 420s)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build/gpu-check}; mkdir -p "$OUT"
bin() { if command -v "$1" >/dev/null; then command -v "$1"; elif [ -x "build/$1" ]; then echo "build/$1"; else echo "build/gpu/$1"; fi; }
RS=$(bin resshift); GT=$(bin gpu.test)
[ -x "$GT" ] || { echo "check: gpu.test not found (scripts/gpu/prepare.sh or make gpu-check builds it)"; exit 1; }
export RESSHIFT_GPU_BENCH=1
[ -d models/resshift-lite-x4-fp16 ] && export RESSHIFT_GPU_FP16_PACK=$PWD/models/resshift-lite-x4-fp16
[ -d ~/stage/data/Set14 ] && export RESSHIFT_GPU_DATA=$HOME/stage/data
[ -z "${RESSHIFT_GPU_DATA:-}" ] && [ -d .device/data/Set14 ] && export RESSHIFT_GPU_DATA=$PWD/.device/data
[ -z "${RESSHIFT_GPU_DATA:-}" ] && [ -d ../shared/data/eval/Set14 ] && export RESSHIFT_GPU_DATA=$(cd ../shared/data/eval && pwd)
{
  echo "== $(date -u +%FT%TZ) $(hostname)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -4
  "$RS" info --provider cuda > "$OUT/info.txt" 2>&1; cat "$OUT/info.txt" | head -20
  "$RS" info --provider cuda --json > "$OUT/info.json" 2>/dev/null
  if [ "${GPU_CHECK_OFFICIAL:-1}" = 1 ] && python3 -c 'import sys, torch; v = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); sys.exit(v < (2, 9))' 2>/dev/null; then
    off=${TMPDIR:-/tmp}/resshift-official-v3
    echo "== converting the official v3 architecture (random weights, tile 256) into $off"
    if timeout 300 python3 -m training.official.convert --random --version v3 --tile 256 --out "$off" > "$OUT/convert.log" 2>&1; then
      export RESSHIFT_GPU_OFFICIAL=$off
    else
      echo "convert failed (tail of convert.log):"; tail -5 "$OUT/convert.log"
    fi
  fi
  echo "== go test -tags gpu (data: ${RESSHIFT_GPU_DATA:-synthetic}, official: ${RESSHIFT_GPU_OFFICIAL:-none})"
  "$GT" -test.v -test.run '^TestGPU' -test.timeout "${GPU_CHECK_TIMEOUT:-420s}" 2>&1 | grep -v '^=== RUN'
  echo "== exit ${PIPESTATUS[0]}"
} 2>&1 | tee "$OUT/gpu-check.log"
