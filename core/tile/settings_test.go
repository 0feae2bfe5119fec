package tile

import (
	"reflect"
	"strings"
	"testing"
)

func TestSettingsCheck(t *testing.T) {
	for _, c := range []struct {
		s    Settings
		want []string // "field: message start", in field order
	}{
		{DefaultSettings, nil},
		{Settings{Tile: 1, Overlap: 0, Batch: 1}, nil},
		{Settings{Tile: MaxTile, Overlap: MaxTile - 1, Batch: MaxBatch}, nil},
		{Settings{Tile: -1, Overlap: OverlapDefault}, []string{"tile: must be a positive number of LR pixels up to 4096, or 0 for the default, got -1"}},
		{Settings{Tile: MaxTile + 1, Overlap: OverlapDefault}, []string{"tile: must be a positive number of LR pixels up to 4096, or 0 for the default, got 4097"}},
		{Settings{Overlap: -2}, []string{"overlap: must be in 0..4095 LR pixels, or -1 for the default, got -2"}},
		{Settings{Overlap: MaxTile}, []string{"overlap: must be in 0..4095 LR pixels, or -1 for the default, got 4096"}},
		{Settings{Overlap: OverlapDefault, Batch: -1}, []string{"batch: must be in 1..1024 tiles, or 0 for the default, got -1"}},
		{Settings{Overlap: OverlapDefault, Batch: MaxBatch + 1}, []string{"batch: must be in 1..1024 tiles, or 0 for the default, got 1025"}},
		{Settings{Tile: -8, Overlap: -5, Batch: -3}, []string{"tile: ", "overlap: ", "batch: "}},
	} {
		ps := c.s.Check()
		if len(ps) != len(c.want) {
			t.Errorf("%+v: got %v, want %d problems", c.s, ps, len(c.want))
			continue
		}
		for i, p := range ps {
			if !strings.HasPrefix(p.String(), c.want[i]) {
				t.Errorf("%+v: problem %d is %q, want it to start with %q", c.s, i, p, c.want[i])
			}
		}
	}
}

func TestSettingsOverAndSets(t *testing.T) {
	base := Settings{Tile: 256, Overlap: 32, Batch: 2}
	for _, c := range []struct {
		s, want Settings
		sets    []string
	}{
		{DefaultSettings, base, nil},
		{Settings{}, Settings{Tile: 256, Overlap: 0, Batch: 2}, []string{"overlap"}}, // 0 is a real overlap
		{Settings{Tile: 64, Overlap: OverlapDefault}, Settings{Tile: 64, Overlap: 32, Batch: 2}, []string{"tile"}},
		{Settings{Tile: 64, Overlap: 8, Batch: 4}, Settings{Tile: 64, Overlap: 8, Batch: 4}, []string{"tile", "overlap", "batch"}},
	} {
		if got := c.s.Over(base); got != c.want {
			t.Errorf("%+v.Over(%+v) = %+v, want %+v", c.s, base, got, c.want)
		}
		var sets []string
		for _, f := range []string{"tile", "overlap", "batch", "sampler"} {
			if c.s.Sets(f) {
				sets = append(sets, f)
			}
		}
		if !reflect.DeepEqual(sets, c.sets) {
			t.Errorf("%+v sets %v, want %v", c.s, sets, c.sets)
		}
	}
}
