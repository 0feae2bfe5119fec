// Package capitest tests libresshift, the C ABI of resshift, from the
// outside: it builds capi/ with -buildmode=c-shared into a temporary
// directory once, compiles the C programs of examples/c with cc, runs them
// and the Python bindings of examples/python, and compares their images
// with what package core produces for the same input, seed and options.
//
// The tests need cc (and c++, nm, pkg-config, /usr/bin/python3 with numpy
// and PIL, and libasan for the parts that use them; missing tools skip
// those parts), ONNX Runtime (make ort) and libvips.
package capitest
