// Package models embeds the default model pack so that resshift works with no download.
package models

import (
	"embed"
	"io/fs"
)

// DefaultName is the directory of the default pack inside this package.
const DefaultName = "resshift-lite-x4"

//go:embed resshift-lite-x4/model.toml resshift-lite-x4/denoiser.onnx resshift-lite-x4/chain.onnx resshift-lite-x4/MODEL_CARD.md
var files embed.FS

// Default returns the embedded default model pack as a file system and the pack's root in it.
func Default() (fs.FS, string) { return files, DefaultName }
