package core

import (
	"context"
	"testing"

	"github.com/resshift/resshift/vocab"
)

// BenchmarkUpscale256 upscales a 256×256 image to 1024×1024 with the embedded default model, on the fused
// chain path and the per-step path (go test -bench Upscale256 -run ^$ ./core/). Reported: ns/op, ORT share and
// output MP/s.
func BenchmarkUpscale256(b *testing.B) {
	for _, path := range []string{"chain", "per-step"} {
		for _, sampler := range []vocab.Sampler{vocab.Deterministic, vocab.Stochastic} {
			b.Run(path+"/"+sampler.String(), func(b *testing.B) { benchUpscale256(b, path == "per-step", sampler) })
		}
	}
}

func benchUpscale256(b *testing.B, perStep bool, sampler vocab.Sampler) {
	cfg := DefaultConfig()
	cfg.Runtime.PerStep = perStep
	e, err := New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	img := smooth(256, 256, 1)
	o := e.Options()
	o.Sampler = sampler
	if _, _, err := e.UpscaleRGB(context.Background(), img, 256, 256, o); err != nil { // warm-up
		b.Fatal(err)
	}
	var ort, total float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, st, err := e.UpscaleRGB(context.Background(), img, 256, 256, o)
		if err != nil {
			b.Fatal(err)
		}
		ort += st.ORT.Seconds()
		total += st.Total.Seconds()
	}
	b.ReportMetric(100*(total-ort)/total, "%overhead")
	b.ReportMetric(float64(1024*1024)/1e6/(total/float64(b.N)), "MP/s")
}
