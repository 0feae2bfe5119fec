package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// bench --json on a tiny synthetic image: per-run and median figures that add up.
func TestBenchJSON(t *testing.T) {
	dir := t.TempDir()
	r := runBin(t, dir, "bench", "--size", "32", "--runs", "2", "--warmup", "0", "--tile", "16", "--json",
		"--save-input", "in.png")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.Width != 32 || rep.OutWidth != 128 || len(rep.Runs) != 2 || rep.Tile != 16 || rep.Overlap >= 16 {
		t.Fatalf("report %+v", rep)
	}
	for _, run := range append(rep.Runs, rep.Median) {
		if run.TotalMS <= 0 || run.ORTMS <= 0 || run.ORTMS > run.TotalMS || run.MPxPerS <= 0 || run.PeakRSSMiB <= 0 {
			t.Errorf("run %+v", run)
		}
		if d := run.TotalMS - run.ORTMS - run.OverheadMS; d > 1e-6 || d < -1e-6 {
			t.Errorf("overhead %.3f ≠ total − ORT %.3f", run.OverheadMS, run.TotalMS-run.ORTMS)
		}
		if run.Tiles < 4 || run.DenoiserCalls != 4*run.Tiles {
			t.Errorf("tiles %d calls %d, want >= 4 tiles and 4 calls per tile", run.Tiles, run.DenoiserCalls)
		}
	}
	if img := decodeFile(t, filepath.Join(dir, "in.png")); img.Width != 32 || img.Height != 32 {
		t.Errorf("--save-input wrote %d×%d", img.Width, img.Height)
	}
}

// The synthetic image is deterministic and not flat.
func TestSynthImage(t *testing.T) {
	a, b := synthImage(40, 30), synthImage(40, 30)
	lo, hi := float32(1), float32(-1)
	for i := range a.RGB {
		if a.RGB[i] != b.RGB[i] {
			t.Fatalf("sample %d differs between calls", i)
		}
		lo, hi = min(lo, a.RGB[i]), max(hi, a.RGB[i])
	}
	if hi-lo < 1 {
		t.Errorf("range %v..%v is too flat", lo, hi)
	}
}

// bench --paired: the chain and the per-step path in one process, both reported, with the pair ratio.
func TestBenchPaired(t *testing.T) {
	r := runBin(t, t.TempDir(), "bench", "--size", "32", "--runs", "2", "--warmup", "0", "--tile", "16", "--paired", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if !rep.Chain || rep.PerStep == nil || rep.PerStep.Chain || len(rep.Runs) != 2 || len(rep.PerStep.Runs) != 2 || rep.PairRatio <= 0 {
		t.Fatalf("report %+v", rep)
	}
	for _, rr := range [][]benchRun{rep.Runs, rep.PerStep.Runs} {
		for _, run := range rr {
			if run.TotalMS <= 0 || run.ORTMS <= 0 || run.DenoiserCalls != 4*run.Tiles {
				t.Errorf("run %+v", run)
			}
		}
	}
	for _, args := range [][]string{{"--per-step", "--paired"}} {
		if r := runBin(t, t.TempDir(), append([]string{"bench", "--size", "8"}, args...)...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)\n%s", args, r.code, r.stderr)
		}
	}
}
