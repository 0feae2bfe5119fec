package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/resshift/resshift/plugin/proto"
)

// Serve runs the plugin side: it answers go-plugin's handshake on stdout and
// serves impl over gRPC with AutoMTLS until the host ends the process. log
// (hclog JSON on stderr, see [NewLogger]) is go-plugin's own logger. Call it
// from the plugin binary's main after the engine is loaded.
func Serve(impl Upscaler, log hclog.Logger) {
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: pluginSets(impl, log),
		GRPCServer:       goplugin.DefaultGRPCServer,
		Logger:           log,
	})
}

// server is the plugin side of the gRPC service over an Upscaler.
type server struct {
	pb.UnimplementedUpscalerServer
	impl     Upscaler
	log      hclog.Logger
	maxBytes int64 // refuse larger images from their header (0 = no limit)
}

func newServer(impl Upscaler, log hclog.Logger) (*server, error) {
	if impl == nil {
		return nil, errors.New("plugin: no Upscaler to serve")
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := impl.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("plugin: info: %w", err)
	}
	return &server{impl: impl, log: log, maxBytes: info.MaxInputBytes}, nil
}

func (s *server) Ping(context.Context, *pb.PingRequest) (*pb.PingResponse, error) {
	return &pb.PingResponse{Pid: int64(os.Getpid())}, nil
}

func (s *server) Info(ctx context.Context, _ *pb.InfoRequest) (*pb.InfoResponse, error) {
	info, err := s.impl.Info(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	info.PID = os.Getpid()
	return infoToProto(info), nil
}

// Upscale receives the header and the chunks, runs the upscaler with the
// stream's context (cancelled when the host cancels), streams progress, then
// the result header and the result chunks.
func (s *server) Upscale(stream pb.Upscaler_UpscaleServer) error {
	start := time.Now()
	err := s.upscale(stream)
	if err != nil {
		st := status.Convert(err)
		lv := hclog.Warn
		if st.Code() == codes.Canceled || st.Code() == codes.InvalidArgument {
			lv = hclog.Info
		}
		s.log.Log(lv, "upscale failed", "code", st.Code().String(), "error", st.Message(), "elapsed", time.Since(start).String())
	}
	return err
}

func (s *server) upscale(stream pb.Upscaler_UpscaleServer) error {
	ctx := stream.Context()
	data, hdr, err := s.receive(stream)
	if err != nil {
		return err
	}
	opt, err := optionsFromProto(hdr.GetOptions())
	if err != nil {
		return toStatus(err)
	}
	req := Request{Image: data, Options: opt}
	if hdr.GetProgress() {
		// Called from this goroutine (the Upscaler's contract), so Sends do not race.
		req.Progress = func(p Progress) error {
			err := stream.Send(&pb.UpscaleResponse{Msg: &pb.UpscaleResponse_Progress{Progress: progressToProto(p)}})
			if err != nil && ctx.Err() != nil {
				return nil // the host cancelled: the engine stops on its context
			}
			return err
		}
	}
	res, err := s.impl.Upscale(ctx, req)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ErrCanceled) {
			err = &Error{Kind: ErrCanceled, Msg: err.Error(), Err: err}
		}
		return toStatus(err)
	}
	s.log.Debug("upscaled", "in_bytes", len(data), "out_bytes", len(res.Image), "width", res.Width, "height", res.Height,
		"tiles", res.Stats.Tiles, "ort", res.Stats.ORT.String(), "total", res.Stats.Total.String())
	if err := stream.Send(&pb.UpscaleResponse{Msg: &pb.UpscaleResponse_Result{Result: resultToProto(res)}}); err != nil {
		return err
	}
	return inChunks(res.Image, func(c []byte) error {
		return stream.Send(&pb.UpscaleResponse{Msg: &pb.UpscaleResponse_Chunk{Chunk: c}})
	})
}

// receive reads the header and exactly header.size bytes of chunks.
func (s *server) receive(stream pb.Upscaler_UpscaleServer) ([]byte, *pb.UpscaleHeader, error) {
	first, err := stream.Recv()
	if err != nil {
		return nil, nil, recvStatus(stream.Context(), err)
	}
	hdr := first.GetHeader()
	if hdr == nil {
		return nil, nil, status.Error(codes.InvalidArgument, "plugin: protocol: the first message must be the header")
	}
	size := hdr.GetSize()
	switch {
	case size <= 0:
		return nil, nil, status.Errorf(codes.InvalidArgument, "plugin: image: size %d", size)
	case s.maxBytes > 0 && size > s.maxBytes:
		return nil, nil, toStatus(&Error{Kind: ErrTooLarge,
			Msg: fmt.Sprintf("plugin: image is %d bytes, limit %d", size, s.maxBytes)})
	}
	data := make([]byte, 0, min(size, 64<<20)) // grows past 64 MiB as bytes arrive
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, recvStatus(stream.Context(), err)
		}
		chunk := msg.GetChunk()
		if msg.GetHeader() != nil || int64(len(data)+len(chunk)) > size {
			return nil, nil, status.Errorf(codes.InvalidArgument, "plugin: protocol: more than the %d image bytes announced", size)
		}
		data = append(data, chunk...)
	}
	if int64(len(data)) != size {
		return nil, nil, status.Errorf(codes.InvalidArgument, "plugin: image truncated: received %d of %d bytes", len(data), size)
	}
	return data, hdr, nil
}

// recvStatus maps a receive error: a cancelled host → Canceled.
func recvStatus(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return status.Error(codes.Canceled, "plugin: canceled while receiving the image")
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.Internal, "plugin: receive: "+err.Error())
}
