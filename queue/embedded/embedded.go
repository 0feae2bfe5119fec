// Package embedded starts a NATS server with JetStream inside the process:
// the single node of `resshift batch` without --nats, and the nodes of the
// queue tests (one node or a cluster). It is separate from queue so that
// clients of the queue do not link the server.
package embedded

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config configures an embedded NATS server with JetStream.
type Config struct {
	StoreDir string // JetStream storage directory (required)
	Host     string // client listen host (default 127.0.0.1)
	Port     int    // client port; 0 picks a free one
	Name     string // server name (required in a cluster, unique)
	// Cluster is the cluster name; "" runs a single node.
	Cluster     string
	ClusterPort int      // route port; 0 picks a free one
	Routes      []string // nats-route://host:port of other nodes (a seed is enough)
}

// Start starts an embedded NATS server with JetStream on cfg.StoreDir
// and waits until it accepts clients (and, in a cluster, until it has routes).
// Stop it with Shutdown (then WaitForShutdown).
func Start(cfg Config) (*server.Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("embedded: no store directory")
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	port := cfg.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: cfg.Name, Host: cfg.Host, Port: port, JetStream: true, StoreDir: cfg.StoreDir,
		NoSigs: true, NoLog: true, MaxPayload: 8 << 20,
	}
	if cfg.Cluster != "" {
		if cfg.Name == "" {
			return nil, errors.New("embedded: a cluster node needs a name")
		}
		cp := cfg.ClusterPort
		if cp == 0 {
			cp = server.RANDOM_PORT
		}
		opts.Cluster = server.ClusterOpts{Name: cfg.Cluster, Host: cfg.Host, Port: cp}
		for _, r := range cfg.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("embedded: route %q: %w", r, err)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, errors.New("embedded: not ready after 30 s")
	}
	return s, nil
}

// RouteURL is the nats-route:// URL other cluster nodes use to join s.
func RouteURL(s *server.Server) string {
	a := s.ClusterAddr()
	if a == nil {
		return ""
	}
	return fmt.Sprintf("nats-route://%s", a.String())
}
