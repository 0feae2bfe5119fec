# resshift build. Two commands a user needs: `make demo` and `make test`.
SHELL := /bin/bash
ORT_VERSION ?= 1.29.0
ORT_SHA256  ?= cfdfb45ec4044b1fdca43e5d2e180fb6817e649ff8ad1e0dfc90e18e51b67037
ORT_DIR     := third_party/onnxruntime
ORT_LIB     := $(ORT_DIR)/lib/libonnxruntime.so.1
ORT_STAMP   := $(ORT_DIR)/lib/.onnxruntime-node-$(ORT_VERSION)
# CUDA 13 / cuDNN 9 execution providers of the same ORT version (1.29.0), for `make ort-gpu`.
ORT_GPU_PKG    ?= com.github.asus4.onnxruntime.linux-x64-gpu
ORT_GPU_PKGVER ?= 0.4.9
ORT_GPU_SHA256 ?= 2b459e0c17f340c92970c10ed86de4f37a3009f93c14053e6ad4334cbb6be412
ORT_GPU_STAMP  := $(ORT_DIR)/lib/.$(ORT_GPU_PKG)-$(ORT_GPU_PKGVER)
ORT_GPU_LIBS   := libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so libonnxruntime_providers_tensorrt.so
BUILD       := build
GO          ?= go
PY          := /usr/bin/python3
ROOT        := $(abspath .)
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X github.com/resshift/resshift/core/ort.defaultLibraryPath=$(ROOT)/$(ORT_LIB) -X main.version=$(VERSION)

RESSHIFT_VERSION := $(shell awk '/^.define RESSHIFT_VERSION_(MAJOR|MINOR|PATCH) /{v = v s $$3; s = "."} END {print v}' include/resshift.h)
PREFIX      ?= /usr/local
LIB_LDFLAGS := $(LDFLAGS) -extldflags '-Wl,-soname,libresshift.so.1 -Wl,--version-script=$(ROOT)/capi/resshift.map'

.PHONY: ort-gpu gpu-check lib install test-capi plugin server proto all deps sysdeps ort build test test-pure demo clean pydeps pytestdeps train export bench eval dist test-dist train-real export-real realval pack-images fuzz-smoke

all: build plugin server

## sysdeps: install libvips and pkg-config with apt-get when missing (Debian 12).
sysdeps:
	@if ! pkg-config --exists vips 2>/dev/null; then \
		echo "installing libvips-dev and pkg-config with apt-get"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libvips-dev pkg-config >/dev/null; \
	fi

## ort: fetch ONNX Runtime (linux x64; a CUDA-enabled core that runs on the CPU without providers) from the npm
## package onnxruntime-node, checksum-checked. The stamp file names the version: changing ORT_VERSION replaces an
## older library (and removes providers of another version) on the next `make`.
ort: $(ORT_LIB)
$(ORT_LIB): $(ORT_STAMP)
	@[ -f $@ ] || { rm -f $(ORT_STAMP); $(MAKE) --no-print-directory $(ORT_STAMP); }   # stamp without library
$(ORT_STAMP):
	@mkdir -p $(ORT_DIR)/pkg $(ORT_DIR)/lib
	@echo "fetching onnxruntime-node@$(ORT_VERSION) with npm pack"
	@cd $(ORT_DIR)/pkg && npm pack --silent onnxruntime-node@$(ORT_VERSION) >/dev/null
	@echo "$(ORT_SHA256)  $(ORT_DIR)/pkg/onnxruntime-node-$(ORT_VERSION).tgz" | sha256sum -c --quiet - \
		|| { echo "checksum mismatch for onnxruntime-node-$(ORT_VERSION).tgz"; rm -f $(ORT_DIR)/pkg/*.tgz; exit 1; }
	@tar -xzf $(ORT_DIR)/pkg/onnxruntime-node-$(ORT_VERSION).tgz -C $(ORT_DIR)/pkg package/bin/napi-v6/linux/x64/libonnxruntime.so.1
	@rm -f $(ORT_DIR)/lib/.onnxruntime-node-* $(ORT_DIR)/lib/.$(ORT_GPU_PKG)-* $(addprefix $(ORT_DIR)/lib/,$(ORT_GPU_LIBS))
	@cp $(ORT_DIR)/pkg/package/bin/napi-v6/linux/x64/libonnxruntime.so.1 $(ORT_LIB).new && mv -f $(ORT_LIB).new $(ORT_LIB)
	@rm -rf $(ORT_DIR)/pkg/package $(ORT_DIR)/pkg/*.tgz
	@touch $@

## ort-gpu: the CUDA (and TensorRT) execution providers beside the core library, checksum-checked (a ~180 MB
## download). Running on a GPU also needs the CUDA 13 and cuDNN 9 libraries on LD_LIBRARY_PATH (README, GPU).
ort-gpu: $(ORT_GPU_STAMP)
	@for f in $(ORT_GPU_LIBS); do [ -f $(ORT_DIR)/lib/$$f ] || { rm -f $(ORT_GPU_STAMP); $(MAKE) --no-print-directory $(ORT_GPU_STAMP); break; }; done
$(ORT_GPU_STAMP): $(ORT_STAMP)
	@mkdir -p $(ORT_DIR)/pkg
	@echo "fetching $(ORT_GPU_PKG)@$(ORT_GPU_PKGVER) (ONNX Runtime $(ORT_VERSION) CUDA 13 providers) with npm pack"
	@cd $(ORT_DIR)/pkg && npm pack --silent $(ORT_GPU_PKG)@$(ORT_GPU_PKGVER) >/dev/null
	@echo "$(ORT_GPU_SHA256)  $(ORT_DIR)/pkg/$(ORT_GPU_PKG)-$(ORT_GPU_PKGVER).tgz" | sha256sum -c --quiet - \
		|| { echo "checksum mismatch for $(ORT_GPU_PKG)-$(ORT_GPU_PKGVER).tgz"; rm -f $(ORT_DIR)/pkg/*.tgz; exit 1; }
	@tar -xzf $(ORT_DIR)/pkg/$(ORT_GPU_PKG)-$(ORT_GPU_PKGVER).tgz -C $(ORT_DIR)/pkg $(addprefix package/Plugins/Linux/x64/,$(ORT_GPU_LIBS))
	@for f in $(ORT_GPU_LIBS); do cp $(ORT_DIR)/pkg/package/Plugins/Linux/x64/$$f $(ORT_DIR)/lib/$$f.new && mv -f $(ORT_DIR)/lib/$$f.new $(ORT_DIR)/lib/$$f; done
	@rm -rf $(ORT_DIR)/pkg/package $(ORT_DIR)/pkg/*.tgz
	@touch $@

deps: sysdeps ort

## pydeps: Debian's PyTorch stack for training/ and model export.
pydeps:
	@if ! $(PY) -c 'import torch, numpy, PIL, onnx' 2>/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-torch python3-numpy python3-pil python3-onnx >/dev/null; \
	fi

## build: the CLI, the plugin and the example server, linked against the fetched ONNX Runtime.
build: deps
	@mkdir -p $(BUILD)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BUILD)/resshift ./cmd/resshift
	@cp -f $(ORT_LIB) $(BUILD)/   # found "next to the binary" when build/ is copied elsewhere
	@rm -f $(addprefix $(BUILD)/,$(ORT_GPU_LIBS)); for f in $(ORT_GPU_LIBS); do \
		[ ! -f $(ORT_DIR)/lib/$$f ] || cp -f $(ORT_DIR)/lib/$$f $(BUILD)/; done   # providers must sit beside the core

## lib: build/libresshift.so (SONAME libresshift.so.1) for include/resshift.h.
lib: deps
	@mkdir -p $(BUILD)
	$(GO) build -buildmode=c-shared -ldflags "$(LIB_LDFLAGS)" -o $(BUILD)/libresshift.so ./capi
	@rm -f $(BUILD)/libresshift.h
	@ln -sf libresshift.so $(BUILD)/libresshift.so.1

## install: the library, its header, resshift.pc and ONNX Runtime under $(DESTDIR)$(PREFIX).
install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/resshift $(DESTDIR)$(PREFIX)/include
	install -m 0755 $(BUILD)/libresshift.so $(DESTDIR)$(PREFIX)/lib/libresshift.so.$(RESSHIFT_VERSION)
	ln -sf libresshift.so.$(RESSHIFT_VERSION) $(DESTDIR)$(PREFIX)/lib/libresshift.so.1
	ln -sf libresshift.so.1 $(DESTDIR)$(PREFIX)/lib/libresshift.so
	install -m 0644 $(ORT_LIB) $(DESTDIR)$(PREFIX)/lib/resshift/libonnxruntime.so.1
	install -m 0644 include/resshift.h $(DESTDIR)$(PREFIX)/include/resshift.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(RESSHIFT_VERSION)|g' capi/resshift.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/resshift.pc

## dist: build/resshift-VERSION-linux-x64.tar.gz, a relocatable bundle: resshift, resshift-plugin,
## libresshift.so(.1), resshift.h and libonnxruntime.so.1 side by side (no path baked in: ONNX Runtime is
## found next to the binary or the library; RUNPATH $ORIGIN). Runs where only libvips is installed.
DIST_NAME    := resshift-$(VERSION)-linux-x64
DIST_DIR     := $(BUILD)/dist/$(DIST_NAME)
DIST_LDFLAGS := -X main.version=$(VERSION) -extldflags "-Wl,-rpath,$$ORIGIN"
dist: deps
	@rm -rf $(DIST_DIR) $(BUILD)/$(DIST_NAME).tar.gz && mkdir -p $(DIST_DIR)
	$(GO) build -ldflags '$(DIST_LDFLAGS)' -o $(DIST_DIR)/resshift ./cmd/resshift
	$(GO) build -ldflags '$(DIST_LDFLAGS)' -o $(DIST_DIR)/resshift-plugin ./plugin/cmd/resshift-plugin
	$(GO) build -buildmode=c-shared -o $(DIST_DIR)/libresshift.so \
		-ldflags '-extldflags "-Wl,-soname,libresshift.so.1 -Wl,--version-script=$(ROOT)/capi/resshift.map -Wl,-rpath,$$ORIGIN"' ./capi
	@rm -f $(DIST_DIR)/libresshift.h && ln -sf libresshift.so $(DIST_DIR)/libresshift.so.1
	cp include/resshift.h $(ORT_LIB) LICENSE $(DIST_DIR)/
	tar -czf $(BUILD)/$(DIST_NAME).tar.gz -C $(BUILD)/dist $(DIST_NAME)
	@ls -l $(BUILD)/$(DIST_NAME).tar.gz

## test-dist: unpack the dist tarball into a temporary folder and upscale with it in a clean environment.
test-dist: dist
	RESSHIFT_DIST_TARBALL=$(ROOT)/$(BUILD)/$(DIST_NAME).tar.gz $(GO) test -count=1 ./internal/disttest

## test-capi: the C ABI tests only (they are also part of `make test`).
test-capi: deps
	RESSHIFT_ORT_LIB=$(ROOT)/$(ORT_LIB) $(GO) test -ldflags '$(LDFLAGS)' ./capi/...

## plugin: the go-plugin binary for Go hosts.
plugin: deps
	@mkdir -p $(BUILD)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BUILD)/resshift-plugin ./plugin/cmd/resshift-plugin

## server: the imgproxy-style example server (cgo-free; it launches build/resshift-plugin).
server:
	@mkdir -p $(BUILD)
	CGO_ENABLED=0 $(GO) build -o $(BUILD)/resshift-server ./examples/server

## proto: regenerate plugin/proto (protoc: apt-get install protobuf-compiler).
proto:
	@command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler"; exit 1; }
	GOBIN=$(ROOT)/$(BUILD)/bin $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	GOBIN=$(ROOT)/$(BUILD)/bin $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
	PATH="$(ROOT)/$(BUILD)/bin:$$PATH" protoc -I plugin/proto \
		--go_out=plugin/proto --go_opt=paths=source_relative \
		--go-grpc_out=plugin/proto --go-grpc_opt=paths=source_relative \
		plugin/proto/resshift.proto

## demo: the main job — upscale a sample photo ×4 with the embedded default model.
demo: build
	@mkdir -p $(BUILD)/demo
	$(BUILD)/resshift upscale --overwrite -o $(BUILD)/demo/balloons_x4.png examples/data/balloons.png
	@echo "wrote $(BUILD)/demo/balloons_x4.png (4x the 192x128 input)"

## gpu-check: the GPU checks (gpu-tagged engine tests: provider loads, CUDA vs CPU agreement, cancellation, 4
## concurrent requests, fp16; then the benchmark table). On a machine with a CUDA device (after `make ort-gpu`, CUDA
## 13 + cuDNN 9 on LD_LIBRARY_PATH) it runs them; elsewhere it packs them for the GPU test machine and prints the
## two device commands (scripts/gpu/README.md).
gpu-check: deps
	@mkdir -p $(BUILD)
	$(GO) vet -tags gpu ./core
	$(GO) test -c -tags gpu -ldflags '$(LDFLAGS)' -o $(BUILD)/gpu.test ./core   # run by scripts/gpu/check.sh
	@if [ -e /dev/nvidia0 ] || [ -e /dev/nvidiactl ]; then $(MAKE) --no-print-directory ort-gpu build && bash scripts/gpu/check.sh; \
	else echo "no CUDA device here: preparing the check for the GPU test machine"; bash scripts/gpu/prepare.sh; fi

## test-pure: the cgo-free packages.
test-pure:
	CGO_ENABLED=0 $(GO) test ./core/sampler/... ./core/tile/... ./core/modelpack/... ./core/resample/... ./core/metric/...

## test: everything (Go with real ONNX Runtime and libvips, C and Python hosts, the training tests; pydeps installs
## Debian's torch/numpy/Pillow/onnx when missing, so CI runs them too).
test: deps pytestdeps pydeps test-engine-only
	$(GO) vet ./...
	RESSHIFT_ORT_LIB=$(ROOT)/$(ORT_LIB) $(GO) test -timeout 30m -ldflags '$(LDFLAGS)' ./...
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory test-dist
	OMP_WAIT_POLICY=PASSIVE $(PY) -m unittest discover -s training -t . -p 'test_*.py'

## test-engine-only: the engine without codecs (docs/CONTRACTS.md): the test binary of package core must not link
## libvips (checked with ldd), and it runs.
.PHONY: test-engine-only
test-engine-only: deps
	@mkdir -p $(BUILD)
	$(GO) test -c -ldflags '$(LDFLAGS)' -o $(BUILD)/core-engine.test ./core
	@libs=$$(ldd $(BUILD)/core-engine.test) || { echo "ldd $(BUILD)/core-engine.test failed: $$libs"; exit 1; }; \
	if grep -E 'lib(vips|gobject|glib)' <<< "$$libs"; then echo "$(BUILD)/core-engine.test links libvips (above)"; exit 1; fi; \
	echo "$(BUILD)/core-engine.test links no libvips"
	cd core && RESSHIFT_ORT_LIB=$(ROOT)/$(ORT_LIB) $(ROOT)/$(BUILD)/core-engine.test -test.timeout 10m

## fuzz-smoke: each Go fuzz target briefly (docs/fuzzing.md). Go fuzzes one target per package per run; the
## budget is an exec count, not -fuzztime Ns, whose deadline races the workers in Go 1.26 (golang/go#75804).
FUZZ_TARGETS ?= core/modelpack:FuzzParseManifest:20000 core/ort:FuzzGraphIO:20000 core:FuzzLoadConfig:3000 \
	core/imageio:FuzzDecode:2000 examples/server:FuzzParsePath:5000 examples/server:FuzzLoadConfig:2000 queue:FuzzJobMessage:5000 \
	plugin:FuzzUpscaleHeader:20000 capi:FuzzCheckLayout:50000 capi:FuzzOptions:50000 capi:FuzzEngineParams:50000
fuzz-smoke: deps
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; for t in $(FUZZ_TARGETS); do IFS=: read -r pkg fn n <<< "$$t"; \
		echo "fuzz $$fn ($$pkg, $${n} execs)"; \
		( cd $$pkg && RESSHIFT_ORT_LIB=$(ROOT)/$(ORT_LIB) $(GO) test -ldflags '$(LDFLAGS)' -run '^$$' -fuzz "^$$fn\$$" \
			-fuzztime $${n}x -parallel 1 . >$$log 2>&1 ) || { cat $$log; exit 1; }; \
	done

## pytestdeps: what the Python host example needs (Debian's numpy and Pillow).
pytestdeps:
	@if ! $(PY) -c 'import numpy, PIL' 2>/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-numpy python3-pil >/dev/null; \
	fi

## train / export: the default model (see training/README.md), in two resumable stages:
## stage 1 learns ×4 with the journal κ = 2; stage 2 starts from its weights, trains with κ = 0.25 (the shipped value)
## and takes half of each batch from the sampler's own states (--chain 0.5).
train: pydeps
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.train --out training/runs/stage1 --arch res48 --kappa 2 --iters 10000 --lr 5e-4 --warmup 300 --clip 1 --val-every 500
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.train --out training/runs/default --init training/runs/stage1/ckpt.pt --kappa 0.25 --chain 0.5 --iters 15000 --lr 4e-4 --warmup 200 --clip 1 --val-every 1000

export: pydeps
	$(PY) -m training.export --ckpt training/runs/default/best_ema.pt --out models/resshift-lite-x4 --version 2 --alias clean

## train-real / export-real: the real-world model resshift-real-x4 (training/README.md): warm start from the clean
## model's checkpoint, second-order degradations (training/degrade), κ = 0.25. Each run is a chunk of at most
## MINUTES minutes ending with a checkpoint; rerun to resume (also on another machine: add DEVICE=cuda AMP=bf16).
MINUTES ?= 72
DEVICE ?= cpu
AMP ?= off
train-real: pydeps
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.train --out training/runs/real --init training/checkpoints/resshift-lite-x4/ckpt.pt \
		--degradation real --kappa 0.25 --chain 0.5 --iters 3600 --lr 4e-4 --warmup 200 --clip 1 --val-every 500 \
		--ckpt-every 250 --threads 2 --max-minutes $(MINUTES) --device $(DEVICE) --amp $(AMP)

export-real: pydeps
	$(PY) -m training.export --ckpt training/runs/real/best_ema.pt --out models/resshift-real-x4 --name resshift-real-x4 --version 1 --alias real \
		--description "Pixel-space ResShift x4 for real-world photos (second-order degradations), 4 steps, {params:.2f} M-parameter conditional residual net, CPU friendly"

## realval: the synthetic real-world validation set (seeded degradations of the held-out images) in training/runs/realval-x4.
realval: pydeps
	$(PY) -m training.realval

## pack-images: the training images as one compact archive for a GPU machine (training/pack_images.py).
pack-images: pydeps
	$(PY) -m training.pack_images --out training/runs/train-images.tar

## bench / eval: speed and quality of the default model (eval needs ../shared/data).
bench: build
	$(BUILD)/resshift bench
EVAL_SETS ?= Set5 Set14 BSD100
eval: build
	@for s in $(EVAL_SETS); do $(BUILD)/resshift eval --hr ../shared/data/eval/$$s/HR --lr ../shared/data/eval/$$s/LR_x4 \
		--bicubic --json $(BUILD)/eval-$$s.json --md $(BUILD)/eval-$$s.md || exit 1; done

clean:
	rm -rf $(BUILD)
