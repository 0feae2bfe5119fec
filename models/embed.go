// Package models embeds the model packs that ship inside resshift, so that it
// works with no download, and selects them by name (see registry.go).
//
// Adding a pack: put its directory here (model.toml, the graphs, MODEL_CARD.md)
// and add one //go:embed line for it below; the registry finds every embedded
// directory that holds a model.toml. Keep the binary small (about 40 MB in all).
package models

import "embed"

// DefaultName is the name or alias of the default pack: what "", "default"
// and an unset `model` select in the CLI, the C ABI, the plugin and the server.
const DefaultName = "resshift-lite-x4"

//go:embed resshift-lite-x4/model.toml resshift-lite-x4/denoiser.onnx resshift-lite-x4/chain.onnx resshift-lite-x4/MODEL_CARD.md
//go:embed resshift-real-x4/model.toml resshift-real-x4/denoiser.onnx resshift-real-x4/chain.onnx resshift-real-x4/MODEL_CARD.md
var files embed.FS
