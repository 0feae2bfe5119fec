package queue_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/queue/embedded"
)

// TestManyJobs: 1,000 tiny jobs over 1, 2 and 4 workers on one embedded
// node; every job is done exactly once and the totals add up.
func TestManyJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 jobs per case")
	}
	const n = 1000
	its := items(t, n, 8, 10_000)
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			s := single(t)
			cfg := queue.Config{AckWait: 10 * time.Second}
			var ws []*queue.Worker
			for i := range workers {
				w, _ := startWorker(t, s.ClientURL(), cfg, queue.WorkerConfig{Name: fmt.Sprintf("w%d", i), Concurrency: 2})
				ws = append(ws, w)
			}
			_, q := connect(t, s.ClientURL(), cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			start := time.Now()
			m, st, err := q.Submit(ctx, "many", its, queue.Options{}, queue.SubmitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Queued != n {
				t.Fatalf("queued %d, want %d", st.Queued, n)
			}
			res, err := q.Wait(ctx, m, nil)
			if err != nil {
				t.Fatal(err)
			}
			wall := time.Since(start)
			var upscale, total time.Duration
			perWorker := map[string]int{}
			for _, r := range res {
				if r.State != queue.StateDone || r.Attempts != 1 {
					t.Errorf("job %s: %s after %d attempts (%s)", r.ID, r.State, r.Attempts, r.Error)
				}
				upscale += r.Upscale
				total += r.Total
				perWorker[r.Worker]++
			}
			if len(res) != n {
				t.Fatalf("%d results, want %d", len(res), n)
			}
			if got := countObjects(t, q, m, "out/"); got != n {
				t.Errorf("%d output objects, want %d", got, n)
			}
			if got := countObjects(t, q, m, "in/"); got != 0 {
				t.Errorf("%d input objects left, want 0", got)
			}
			sum := int64(0)
			eventually(func() bool {
				sum = 0
				for _, w := range ws {
					sum += w.Stats().Done
				}
				return sum == n
			})
			if sum != n {
				t.Errorf("workers did %d jobs in all, want %d", sum, n)
			}
			for _, w := range ws {
				if st := w.Stats(); st.Failed != 0 || st.Retried != 0 || st.Skipped != 0 {
					t.Errorf("worker stats %+v: want no failures, retries or skips", st)
				}
			}
			if len(perWorker) != workers {
				t.Errorf("jobs per worker %v: want all %d workers used", perWorker, workers)
			}
			t.Logf("%d jobs, %d workers: %.2f s wall (%.1f jobs/s, submit included); per job: upscale %.1f ms, in the worker from delivery to stored output %.1f ms (queue and store overhead %.1f ms); by worker %v",
				n, workers, wall.Seconds(), float64(n)/wall.Seconds(), ms(upscale)/n, ms(total)/n, ms(total-upscale)/n, perWorker)
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cluster starts a 3-node JetStream cluster on 127.0.0.1 (free ports, store
// folders in t.TempDir) and returns the nodes and a client URL list.
func cluster(t *testing.T) ([]*server.Server, string) {
	t.Helper()
	var nodes []*server.Server
	var urls []string
	// A JetStream cluster node needs configured routes at start, so the route
	// ports are reserved first (listen on port 0, close); client ports are
	// picked by the servers.
	var ports []int
	var routes []string
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
		l.Close()
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[len(ports)-1]))
	}
	for i := range 3 {
		cfg := embedded.Config{StoreDir: t.TempDir(), Name: fmt.Sprintf("n%d", i+1), Cluster: "resshift-test",
			ClusterPort: ports[i], Routes: routes}
		s, err := embedded.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		nodes = append(nodes, s)
		urls = append(urls, s.ClientURL())
	}
	// Wait for the JetStream meta leader.
	deadline := time.Now().Add(30 * time.Second)
	for {
		leader := false
		for _, s := range nodes {
			leader = leader || s.JetStreamIsLeader()
		}
		if leader {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no JetStream meta leader after 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nodes, strings.Join(urls, ",")
}

// TestClusterNodeKilled: a 3-node cluster with R3 streams and bucket; the
// leader of the jobs stream is shut down while the batch runs; no job is
// lost and each is done once.
func TestClusterNodeKilled(t *testing.T) {
	nodes, url := cluster(t)
	cfg := queue.Config{Replicas: 3, AckWait: 5 * time.Second}
	ws := []*queue.Worker{}
	for i := range 2 {
		w, _ := startWorker(t, url, cfg, queue.WorkerConfig{Name: fmt.Sprintf("cw%d", i), Concurrency: 2, RetryDelay: 100 * time.Millisecond})
		ws = append(ws, w)
	}
	nc, q := connect(t, url, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const n = 60
	m, st, err := q.Submit(ctx, "cl", items(t, n, 16, 50_000), queue.Options{}, queue.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Queued != n {
		t.Fatalf("queued %d, want %d", st.Queued, n)
	}
	js, _ := jetstream.New(nc)
	info, err := js.Stream(ctx, q.Config().Jobs)
	if err != nil {
		t.Fatal(err)
	}
	si, err := info.Info(ctx)
	if err != nil || si.Cluster == nil || len(si.Cluster.Replicas) != 2 {
		t.Fatalf("jobs stream is not replicated on 3 nodes: %+v, %v", si, err)
	}
	leader := si.Cluster.Leader
	killed := false
	res, err := q.Wait(ctx, m, func(s queue.BatchStatus) {
		if !killed && s.Done >= n/4 {
			killed = true
			for _, node := range nodes {
				if node.Name() == leader {
					t.Logf("shutting down %s (jobs stream leader) after %d of %d jobs", leader, s.Done, n)
					go node.Shutdown()
				}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !killed {
		t.Fatal("the batch finished before a node was shut down")
	}
	checkOutputs(t, q, m, res, 16)
	if got := countObjects(t, q, m, "out/"); got != n {
		t.Errorf("%d output objects, want %d", got, n)
	}
	var done int64
	eventually(func() bool {
		done = 0
		for _, w := range ws {
			done += w.Stats().Done + w.Stats().Skipped
		}
		return done >= n
	})
	if done < n {
		t.Errorf("workers settled %d jobs, want %d", done, n)
	}
	var stored int64
	for _, w := range ws {
		stored += w.Stats().Done
	}
	if stored > n {
		t.Errorf("workers stored %d outputs for %d jobs", stored, n)
	}
	for _, w := range ws {
		t.Logf("worker stats %+v", w.Stats())
	}
}
