// Package plugin is the contract between Go hosts and the resshift plugin
// process: a hashicorp go-plugin served over gRPC (AutoMTLS, no net/rpc).
//
// The plugin process (plugin/cmd/resshift-plugin) owns ONNX Runtime, the
// model and libvips; a host (an image server) launches it with [NewHost] and
// calls it through the [Upscaler] interface with plain Go types. A native
// crash or an out-of-memory kill takes the plugin down, never the host; the
// host relaunches it on the next call. This package itself is pure Go (no
// cgo, no ONNX Runtime, no libvips), so a host that only calls the plugin
// links none of them.
//
// Wire contract (protocol version 1, see proto/resshift.proto): the image
// travels as an encoded file (JPEG, PNG, WebP, TIFF, ...) in chunks of
// [ChunkSize] bytes both ways, so payloads are not bound by gRPC's 4 MiB
// message limit; progress is streamed back; cancelling the host's context
// cancels the stream and with it the engine's context in the plugin. Errors
// come back as gRPC codes (InvalidArgument, Canceled, DeadlineExceeded,
// Unavailable, Internal, with an ErrorInfo reason for the refined kinds) and
// are turned into [*Error] values that match the shared kinds of package
// vocab with errors.Is: [ErrInvalidInput], [ErrTooLarge], [ErrCanceled],
// [ErrInternal], [ErrUnavailable] and their refinements.
//
// Plugin side: build an [Upscaler] (package plugin/local wraps a
// *core.Engine) and call [Serve]. Logs go to stderr as hclog JSON lines,
// which go-plugin relays into the host's logger; nothing is written to
// stdout but go-plugin's handshake.
package plugin

import (
	"context"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/resshift/resshift/plugin/proto"
)

// ProtocolVersion is the version of the plugin protocol this package speaks.
// A host and a plugin agree on the highest version both have in their
// plugin sets; a change to the wire contract adds a new version.
const ProtocolVersion = 1

// Name is the name of the upscaler in the plugin set.
const Name = "upscaler"

// ChunkSize is the size of the image chunks on the wire (well under gRPC's
// default 4 MiB message limit).
const ChunkSize = 1 << 20

// Handshake is the fixed handshake between hosts and the plugin. It is not a
// security measure: it keeps the binary from running as a plugin of another
// host (and tells a user who runs it by hand what it is).
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "RESSHIFT_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "4c1d9a2e7b0f4f6c8e5a3d2b1c0e9f87-resshift-upscaler",
}

// pluginSets returns the versioned plugin sets: one per protocol version
// (impl and log are nil on the host side).
func pluginSets(impl Upscaler, log hclog.Logger) map[int]goplugin.PluginSet {
	return map[int]goplugin.PluginSet{
		ProtocolVersion: {Name: &GRPCPlugin{Impl: impl, Logger: log}},
	}
}

// GRPCPlugin is the go-plugin glue: it serves Impl in the plugin process and
// dispenses a gRPC client (an [Upscaler]) in the host. Hosts normally use
// [NewHost] instead.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	// Impl is the implementation served by the plugin process (unused by hosts).
	Impl Upscaler
	// Logger logs the served requests (plugin side); nil = none.
	Logger hclog.Logger
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the upscaler service (plugin side).
func (p *GRPCPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	srv, err := newServer(p.Impl, p.Logger)
	if err != nil {
		return err
	}
	pb.RegisterUpscalerServer(s, srv)
	return nil
}

// GRPCClient returns an [Upscaler] that calls the plugin (host side). done is
// cancelled by go-plugin when the plugin process exits.
func (p *GRPCPlugin) GRPCClient(done context.Context, _ *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &client{rpc: pb.NewUpscalerClient(c), done: done}, nil
}

// inChunks calls send with consecutive slices of b of at most ChunkSize bytes.
func inChunks(b []byte, send func([]byte) error) error {
	for len(b) > 0 {
		n := min(len(b), ChunkSize)
		if err := send(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
