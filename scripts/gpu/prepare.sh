#!/bin/bash
# Prepares the GPU check for the H100/H200 test machine (../shared/tools/device/README.md). Run from the repo root
# (`make gpu-check` runs it when this machine has no CUDA device):
#   1. builds build/resshift and the gpu-tagged engine tests (build/gpu.test);
#   2. copies Set5 and Set14 (HR, LR_x4) from ../shared/data/eval into .device/data (ignored, ~6 MB) when present;
#   3. packs the binaries and their libraries (.device/1), the ONNX Runtime 1.29 core (moved to .device/data) and
#      the CUDA provider (.device/2) with ../shared/tools/device/pack.sh;
#   4. prints the three device commands to send, one right after the other (scripts/gpu/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=../shared/tools/device
[ -x "$tools/pack.sh" ] || { echo "prepare: $tools/pack.sh not found (the device tools live in ../shared/tools/device)"; exit 1; }
make deps >/dev/null
# stripped binaries (smaller bundle); the library path comes from ~/stage/env.sh there
mkdir -p build/gpu
go build -ldflags "-s -w" -o build/gpu/resshift ./cmd/resshift
go test -c -tags gpu -ldflags "-s -w" -o build/gpu/gpu.test ./core
mkdir -p .device   # ignored by .gitignore: it travels only where a device command carries it
rm -rf .device/data
if [ -d ../shared/data/eval/Set14 ]; then
  for s in Set5 Set14; do mkdir -p .device/data/$s && cp -r ../shared/data/eval/$s/HR ../shared/data/eval/$s/LR_x4 .device/data/$s/; done
  echo "prepare: .device/data holds Set5 and Set14 ($(du -sh .device/data | cut -f1))"
else
  echo "prepare: ../shared/data/eval absent: the check will use synthetic images (no fp16 PSNR-Y check)"
fi
# pack.sh writes .git/info/exclude, which a git worktree (.git is a file) does not have: run it in a scratch
# repository and move the bundles here.
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
git init -q "$scratch"
# reuse the compressed ONNX Runtime bundles of an earlier run (pack.sh then only packs the binaries)
core=.device/1/ortcore.so.xz; [ -f "$core" ] || core=.device/data/ortcore.so.xz
if [ -f "$core" ] && [ -f .device/2/pcuda90.so.xz ]; then
  mkdir -p "$scratch/.device/1" "$scratch/.device/2"
  cp "$core" "$(dirname "$core")/libonnxruntime_providers_shared.so" "$scratch/.device/1/"
  cp .device/2/pcuda90.so.xz "$scratch/.device/2/"
fi
(cd "$scratch" && "$OLDPWD/$tools/pack.sh" "$OLDPWD/build/gpu/resshift" "$OLDPWD/build/gpu/gpu.test") | { grep -v 'with the tracked tree\|will not travel' || true; }
rm -rf .device/1 .device/2 && mv "$scratch/.device/1" "$scratch/.device/2" .device/
# The binaries' libraries (libvips and deps) fill bundle 1: the ORT core travels with the data set instead
# (stage.sh unpacks whatever its folder holds).
mkdir -p .device/data
mv .device/1/ortcore.so.xz .device/1/libonnxruntime_providers_shared.so .device/data/
cp .device/1/stage.sh .device/data/
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
for d in .device/1 .device/data .device/2; do
  n=$(( $(du -scb $d | tail -1 | cut -f1) + tree ))
  echo "prepare: $d with the tracked tree: $((n / 1048576)) MiB of 64"
  [ $n -lt $((63 * 1048576)) ] || echo "prepare: WARNING: $d will not travel in one transfer"
done
cat <<'CMDS'

Device commands (send each at once after the previous one; the machine is kept ~30 s between commands):
  1) carry [".device/1"]     bash .device/1/stage.sh
  2) carry [".device/data"]  bash .device/data/stage.sh && mkdir -p ~/stage/data && cp -r .device/data/Set5 .device/data/Set14 ~/stage/data/
  3) carry [".device/2"]     bash .device/2/stage.sh && . ~/stage/env.sh && bash scripts/gpu/check.sh
Results come back under $OUT (gpu-check.log, info.txt, info.json).
CMDS
