package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/resshift/resshift/queue"
)

// TestWorkerSignalled runs `resshift worker` as a process, signals it while
// it upscales a large job and checks the job's fate: after SIGKILL the job is
// redelivered to another worker and its output stored once; after SIGTERM the
// worker drains (finishes the job, acks it) and exits 0.
func TestWorkerSignalled(t *testing.T) {
	cli := cliBin(t)
	tests := []struct {
		name         string
		sig          syscall.Signal
		wantAttempts int
		wantWorker   string // who stores the output: "proc" (the signalled process) or "rescuer"
		wantExit     int    // -1: killed
	}{
		{"SIGKILL mid-job: redelivered", syscall.SIGKILL, 2, "rescuer", -1},
		{"SIGTERM mid-job: drained", syscall.SIGTERM, 1, "proc", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := single(t)
			cfg := queue.Config{AckWait: 2 * time.Second}
			nc, q := connect(t, s.ClientURL(), cfg)
			qc := q.Config()
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()

			started := make(chan queue.Progress, 16)
			sub, err := nc.Subscribe(qc.ProgressSubject("k"), func(m *nats.Msg) {
				var p queue.Progress
				if json.Unmarshal(m.Data, &p) == nil && p.Event == "start" {
					started <- p
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Unsubscribe()

			var stderr bytes.Buffer
			cmd := exec.Command(cli, "worker", "--nats", s.ClientURL(), "--ack-wait", "2s", "--threads", "1", "--name", "proc")
			cmd.Stderr = &stderr
			cmd.Env = append(os.Environ(), "RESSHIFT_LOG=info")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()

			// One large job (seconds of work on one thread) and two small ones.
			big := tinyPNG(t, 192, 192, 1)
			its := append([]queue.Item{{Name: "big.png", Read: func() ([]byte, error) { return big, nil }}}, items(t, 2, 16, 900)...)
			m, _, err := q.Submit(ctx, "k", its, queue.Options{}, queue.SubmitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Submission runs in parallel, so a small job may start first:
			// wait for the big one (the worker runs one job at a time).
			for waiting := true; waiting; {
				select {
				case p := <-started:
					if p.Worker != "proc" {
						t.Fatalf("job started by %q, want the worker process", p.Worker)
					}
					waiting = p.ID != m.Entries[0].ID
				case <-ctx.Done():
					t.Fatalf("the worker process did not start the big job: %s", stderr.String())
				}
			}
			time.Sleep(300 * time.Millisecond) // well inside the upscale
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			exit := cmd.ProcessState.ExitCode()
			if exit != tc.wantExit {
				t.Errorf("worker exit %d (%v), want %d; stderr:\n%s", exit, err, tc.wantExit, stderr.String())
			}
			// The small jobs (and after SIGKILL the big one) go to a second worker.
			rescuer, _ := startWorker(t, s.ClientURL(), cfg, queue.WorkerConfig{Name: "rescuer"})
			res, err := q.Wait(ctx, m, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkOutputs(t, q, m, res, 0)
			r := res[m.Entries[0].ID]
			if r.State != queue.StateDone || r.Attempts != tc.wantAttempts || r.Worker != tc.wantWorker {
				t.Errorf("big job: %+v, want done by %s at attempt %d", r, tc.wantWorker, tc.wantAttempts)
			}
			// Exactly once: one record per job in the results stream, one output object per job.
			js, _ := jetstream.New(nc)
			st, err := js.Stream(ctx, qc.Results)
			if err != nil {
				t.Fatal(err)
			}
			info, err := st.Info(ctx, jetstream.WithSubjectFilter(qc.Prefix+".results.k.>"))
			if err != nil {
				t.Fatal(err)
			}
			if info.State.Msgs != 3 {
				t.Errorf("%d result records, want 3", info.State.Msgs)
			}
			if n := countObjects(t, q, m, "out/"); n != 3 {
				t.Errorf("%d output objects, want 3", n)
			}
			for _, e := range m.Entries[1:] {
				if r := res[e.ID]; r.Attempts != 1 {
					t.Errorf("small job %s: %d attempts, want 1", e.ID, r.Attempts)
				}
			}
			eventually(func() bool { return rescuer.Stats().Done >= 1 })
			if st := rescuer.Stats(); st.Skipped != 0 || st.Retried != 0 {
				t.Errorf("rescuer stats %+v: want nothing skipped or retried", st)
			}
		})
	}
}
