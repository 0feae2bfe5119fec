package tile

import "fmt"

// Limits on the tiling values that users and model packs set, in LR pixels.
// They are stated once, here; every face (TOML config, RESSHIFT_* variables,
// CLI flags, C options, plugin options, model.toml) checks with them.
const (
	// MaxTile is the largest tile side.
	MaxTile = 4096
	// MaxBatch is the largest number of tiles per ONNX Runtime call.
	MaxBatch = 1024
	// OverlapDefault is the overlap that means "the default" (the
	// configured one, else the model's). Overlap is the one tiling value
	// whose zero is a real setting (tiles that do not overlap), so its
	// default is spelled -1 in every face, as it always was in TOML, in
	// RESSHIFT_OVERLAP and in the C options (RESSHIFT_DEFAULT).
	OverlapDefault = -1
)

// Settings are tiling values as a user sets them (LR pixels), before they
// are resolved against the configuration and the model. Tile 0, Batch 0 and
// Overlap OverlapDefault mean "the default"; [DefaultSettings] is all
// defaults. Whether a value suits the model (a multiple of its padding
// multiple, its fixed tile and batch, overlap below the tile) is checked
// once the defaults are resolved, by core.Engine.CheckOptions.
type Settings struct {
	Tile    int // 0 = default, else 1..MaxTile
	Overlap int // OverlapDefault = default, else 0..MaxTile-1
	Batch   int // 0 = default, else 1..MaxBatch
}

// DefaultSettings asks for the default of every value.
var DefaultSettings = Settings{Overlap: OverlapDefault}

// Problem is one invalid value of a [Settings].
type Problem struct {
	// Field is "tile", "overlap" or "batch"; each face prefixes it with its
	// own spelling ("tiling.tile", "--tile", "options.tile").
	Field string
	// Msg says what is wrong and ends with the value, e.g.
	// "must be a positive number of LR pixels up to 4096, or 0 for the default, got -8".
	Msg string
}

func (p Problem) String() string { return p.Field + ": " + p.Msg }

// Check returns the invalid values of s in field order (tile, overlap,
// batch), nil when every value is valid.
func (s Settings) Check() []Problem {
	var ps []Problem
	if s.Tile < 0 || s.Tile > MaxTile {
		ps = append(ps, Problem{"tile", fmt.Sprintf("must be a positive number of LR pixels up to %d, or 0 for the default, got %d", MaxTile, s.Tile)})
	}
	if s.Overlap < OverlapDefault || s.Overlap >= MaxTile {
		ps = append(ps, Problem{"overlap", fmt.Sprintf("must be in 0..%d LR pixels, or %d for the default, got %d", MaxTile-1, OverlapDefault, s.Overlap)})
	}
	if s.Batch < 0 || s.Batch > MaxBatch {
		ps = append(ps, Problem{"batch", fmt.Sprintf("must be in 1..%d tiles, or 0 for the default, got %d", MaxBatch, s.Batch)})
	}
	return ps
}

// Over returns s with each value that asks for the default replaced by
// base's: this is the one place that reads the default spellings.
func (s Settings) Over(base Settings) Settings {
	if s.Tile == 0 {
		s.Tile = base.Tile
	}
	if s.Overlap == OverlapDefault {
		s.Overlap = base.Overlap
	}
	if s.Batch == 0 {
		s.Batch = base.Batch
	}
	return s
}

// Sets reports whether s sets field ("tile", "overlap" or "batch") rather
// than asking for its default; false for any other name.
func (s Settings) Sets(field string) bool {
	switch field {
	case "tile":
		return s.Tile != 0
	case "overlap":
		return s.Overlap != OverlapDefault
	case "batch":
		return s.Batch != 0
	}
	return false
}
