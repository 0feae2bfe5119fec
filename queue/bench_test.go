package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/resshift/resshift/queue"
)

// BenchmarkJobOverhead measures what the queue adds to a job: one worker
// with concurrency 1 on an embedded node works through b.N queued jobs
// (submitted before the timer starts). It reports the upscale time per job
// (inside the Upscaler: decode, engine, encode) and the rest of the wall time
// per job (fetch, object store get and put, result record, input delete, ack,
// and the waiter reading the record): the queue's overhead.
//
//	go test ./queue -run '^$' -bench JobOverhead -benchtime 200x
func BenchmarkJobOverhead(b *testing.B) {
	for _, side := range []int{16, 64, 256} {
		b.Run(fmt.Sprintf("%dx%d", side, side), func(b *testing.B) {
			s := single(b)
			cfg := queue.Config{AckWait: time.Minute}
			_, q := connect(b, s.ClientURL(), cfg)
			ctx := context.Background()
			m, _, err := q.Submit(ctx, fmt.Sprintf("bench%d", side), items(b, b.N, side, 77_000), queue.Options{Format: "png"}, queue.SubmitOptions{})
			if err != nil {
				b.Fatal(err)
			}
			upscaler(b) // load the engine before the timer
			b.ResetTimer()
			start := time.Now()
			startWorker(b, s.ClientURL(), cfg, queue.WorkerConfig{Name: "bench", Concurrency: 1})
			res, err := q.Wait(ctx, m, nil)
			wall := time.Since(start)
			b.StopTimer()
			if err != nil || len(res) != b.N {
				b.Fatalf("%d results, %v", len(res), err)
			}
			var up time.Duration
			var bytes int
			for _, r := range res {
				bytes += r.Bytes
				if r.State != queue.StateDone {
					b.Fatalf("job %s: %s %s", r.ID, r.State, r.Error)
				}
				up += r.Upscale
			}
			n := float64(b.N)
			b.ReportMetric(ms(up)/n, "upscale-ms/job")
			b.ReportMetric(ms(wall-up)/n, "queue-ms/job")
			b.ReportMetric(float64(bytes)/n/1024, "out-KiB/job")
			b.ReportMetric(0, "ns/op")
		})
	}
}
