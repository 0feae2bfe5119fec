package tile

import (
	"fmt"
	"math"
	"testing"
)

func TestRampComplementary(t *testing.T) {
	for _, n := range []int{1, 2, 7, 64, 512} {
		for i := range n {
			r := ramp(i, n)
			if r < FeatherFloor || r > 1 {
				t.Fatalf("ramp(%d, %d) = %v outside [floor, 1]", i, n, r)
			}
			if i > 0 && r <= ramp(i-1, n) {
				t.Fatalf("ramp(·, %d) not increasing at %d", n, i)
			}
			if s := r + ramp(n-1-i, n); math.Abs(s-(1+FeatherFloor)) > 1e-12 {
				t.Fatalf("ramp(%d, %d) + mirror = %v", i, n, s)
			}
		}
	}
}

func TestFeatherProfiles(t *testing.T) {
	tests := []struct {
		w, h, scale int
		cfg         Config
		maxProfiles int
	}{
		{256, 256, 4, Config{64, 16, 8, false}, 3}, // first, middle, last (last clamp has the same overlap)
		{130, 130, 2, Config{64, 16, 1, false}, 3}, // last tile overlaps 46 px
		{100, 40, 1, Config{64, 0, 4, false}, 2},   // no overlap but the clamped last tile
		{10, 10, 3, Config{4, 3, 1, false}, 4},     // step 1: ramps meet inside tiles
		{1000, 8, 2, Config{64, 24, 8, false}, 4},  // many tiles, few profiles
		{20, 20, 4, Config{64, 16, 4, true}, 1},    // single tile
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%dx%d_s%d_%+v", tc.w, tc.h, tc.scale, tc.cfg), func(t *testing.T) {
			p, err := NewPlan(tc.w, tc.h, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			f, err := NewFeather(p, tc.scale)
			if err != nil {
				t.Fatal(err)
			}
			if f.Scale() != tc.scale {
				t.Errorf("Scale() = %d", f.Scale())
			}
			if nx, ny := f.Profiles(); nx > tc.maxProfiles || ny > tc.maxProfiles || nx > 4 || ny > 4 {
				t.Errorf("%d×%d distinct profiles, want <= %d", nx, ny, tc.maxProfiles)
			}
			checkAxis(t, "x", f.X, p.xs, p.PadW, p.TileW, tc.scale)
			checkAxis(t, "y", f.Y, p.ys, p.PadH, p.TileH, tc.scale)
		})
	}
}

// checkAxis checks one axis' profiles: positive, <= 1, exactly 1 away from
// shared strips, complementary where exactly two tiles overlap, and a
// positive total at every HR canvas pixel.
func checkAxis(t *testing.T, name string, prof func(int) []float64, starts []int, pad, size, s int) {
	t.Helper()
	total := make([]float64, pad*s)
	count := make([]int, pad*s)
	for _, st := range starts {
		for i := range size * s {
			count[st*s+i]++
		}
	}
	for k, st := range starts {
		w := prof(k)
		if len(w) != size*s {
			t.Fatalf("%s profile %d: len %d, want %d", name, k, len(w), size*s)
		}
		for i, v := range w {
			g := st*s + i
			total[g] += v
			if !(v > 0) || v > 1 {
				t.Fatalf("%s profile %d[%d] = %v", name, k, i, v)
			}
			if count[g] == 1 && v != 1 {
				t.Fatalf("%s profile %d[%d] = %v at a pixel no other tile covers", name, k, i, v)
			}
		}
	}
	for g, v := range total {
		if !(v > 0) {
			t.Fatalf("%s: total weight %v at HR %d", name, v, g)
		}
		if count[g] == 2 && math.Abs(v-(1+FeatherFloor)) > 1e-12 {
			t.Fatalf("%s: two tiles weigh %v at HR %d, want 1+floor", name, v, g)
		}
	}
}

func TestFeatherErrors(t *testing.T) {
	p, err := NewPlan(10, 10, Config{8, 0, 8, false})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{0, -1, MaxScale + 1} {
		if _, err := NewFeather(p, s); err == nil {
			t.Errorf("NewFeather(scale %d): no error", s)
		}
	}
	if _, err := NewFeather(nil, 2); err == nil {
		t.Error("NewFeather(nil): no error")
	}
}
