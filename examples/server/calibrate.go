package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math"
	"time"

	"github.com/resshift/resshift/plugin"
)

// calibrate measures the upscale rate (seconds per output megapixel) for
// admission by cost, unless limits.seconds_per_output_mp fixes it: a small
// warm-up job, then a 256×256 one (1 output megapixel at ×4). A failure is
// logged; the rate is then learnt from the first completed jobs.
func calibrate(host *plugin.Host, cost *costModel, timeout time.Duration, log *slog.Logger) {
	if cost.fixed {
		return
	}
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := host.Upscale(ctx, plugin.Request{Image: calibrationImage(32)}); err != nil {
		log.Warn("calibration failed; the upscale rate will be measured from requests", "error", err)
		return
	}
	start := time.Now()
	res, err := host.Upscale(ctx, plugin.Request{Image: calibrationImage(256)})
	if err != nil {
		log.Warn("calibration failed; the upscale rate will be measured from requests", "error", err)
		return
	}
	mp := float64(res.Width) * float64(res.Height) / 1e6
	cost.observe(time.Since(start).Seconds() / mp)
	log.Info("calibrated", "seconds_per_output_mp", cost.Rate(), "elapsed", time.Since(start).Round(time.Millisecond))
}

// calibrationImage is an n×n PNG with texture (a flat image is not a fair
// test, and the engine refuses a constant output).
func calibrationImage(n int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			v := func(f float64) uint8 { return uint8(127.5 + 127.5*math.Sin(f)) }
			img.SetNRGBA(x, y, color.NRGBA{v(0.21*float64(x) + 0.07*float64(y*y%97)), v(0.13*float64(y) + 0.3*float64(x%7)),
				v(0.05*float64(x+y) + float64((x*31+y*17)%13)), 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
