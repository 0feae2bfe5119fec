package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"

	pb "github.com/resshift/resshift/plugin/proto"
)

// client is the host side of the gRPC service: an Upscaler that calls the
// plugin process. It is safe for concurrent use (one stream per call).
type client struct {
	rpc  pb.UpscalerClient
	done context.Context // cancelled by go-plugin when the plugin process exits
}

var _ Upscaler = (*client)(nil)

// exited reports whether the plugin process is known to be gone.
func (c *client) exited() bool { return c.done.Err() != nil }

// wrap turns a gRPC error into an *Error, naming a plugin that exited.
func (c *client) wrap(ctx context.Context, op string, err error) error {
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	e := fromStatus(ctx, err)
	if !isCanceled(e) && c.exited() {
		e.Kind = ErrUnavailable
		e.Msg = "plugin: " + op + ": the plugin process exited: " + err.Error()
	}
	return e
}

// Ping checks that the plugin answers and returns its process id.
func (c *client) Ping(ctx context.Context) (int, error) {
	r, err := c.rpc.Ping(ctx, &pb.PingRequest{})
	if err != nil {
		return 0, c.wrap(ctx, "ping", err)
	}
	return int(r.GetPid()), nil
}

// Info asks the plugin for its model, defaults and limits.
func (c *client) Info(ctx context.Context) (Info, error) {
	r, err := c.rpc.Info(ctx, &pb.InfoRequest{})
	if err != nil {
		return Info{}, c.wrap(ctx, "info", err)
	}
	info, err := infoFromProto(r)
	if err != nil { // the plugin's own defaults: its fault, not the caller's
		return Info{}, &Error{Kind: ErrInternal, Msg: "plugin: info: defaults: " + err.Error(), Err: err}
	}
	return info, nil
}

// Upscale streams req.Image to the plugin in chunks and collects the result.
func (c *client) Upscale(ctx context.Context, req Request) (Response, error) {
	if err := req.Options.Validate(); err != nil {
		return Response{}, err
	}
	if len(req.Image) == 0 {
		return Response{}, &Error{Kind: ErrInvalidInput, Msg: "plugin: image: empty"}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream on every return path
	stream, err := c.rpc.Upscale(ctx)
	if err != nil {
		return Response{}, c.wrap(ctx, "upscale", err)
	}
	if err := sendRequest(stream, req); err != nil {
		return Response{}, c.wrap(ctx, "upscale", err)
	}
	res, err := recvResult(ctx, stream, req.Progress)
	if err != nil {
		return Response{}, c.wrap(ctx, "upscale", err)
	}
	return res, nil
}

// sendRequest sends the header and the image chunks, then closes the send
// side. When the plugin ends the call early (an error status), Send returns
// io.EOF and the status is read by the Recv that follows.
func sendRequest(stream pb.Upscaler_UpscaleClient, req Request) error {
	hdr := &pb.UpscaleHeader{Size: int64(len(req.Image)), Options: optionsToProto(req.Options), Progress: req.Progress != nil}
	if err := stream.Send(&pb.UpscaleRequest{Msg: &pb.UpscaleRequest_Header{Header: hdr}}); err != nil {
		return sendErr(err)
	}
	err := inChunks(req.Image, func(c []byte) error {
		return stream.Send(&pb.UpscaleRequest{Msg: &pb.UpscaleRequest_Chunk{Chunk: c}})
	})
	if err != nil {
		return sendErr(err)
	}
	return stream.CloseSend()
}

func sendErr(err error) error {
	if err == io.EOF {
		return nil // the status follows on Recv
	}
	return err
}

// recvResult reads progress messages, the result header and the chunks.
// Progress is not called once ctx is done.
func recvResult(ctx context.Context, stream pb.Upscaler_UpscaleClient, progress func(Progress) error) (Response, error) {
	var (
		res  Response
		size int64 = -1 // declared result size, -1 until the header arrives
	)
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Response{}, err
		}
		switch m := msg.GetMsg().(type) {
		case *pb.UpscaleResponse_Progress:
			if progress == nil {
				continue
			}
			if err := ctx.Err(); err != nil {
				return Response{}, err
			}
			if perr := progress(progressFromProto(m.Progress)); perr != nil {
				return Response{}, &Error{Kind: ErrCanceled, Msg: "plugin: canceled by progress callback: " + perr.Error(), Err: perr}
			}
		case *pb.UpscaleResponse_Result:
			if size >= 0 || m.Result.GetSize() <= 0 {
				return Response{}, protocolError("unexpected result header (size %d)", m.Result.GetSize())
			}
			size = m.Result.GetSize()
			res = resultFromProto(m.Result)
			// Grow as chunks arrive rather than trusting a huge declared size up front.
			res.Image = make([]byte, 0, min(size, 64<<20))
		case *pb.UpscaleResponse_Chunk:
			if size < 0 || int64(len(res.Image)+len(m.Chunk)) > size {
				return Response{}, protocolError("unexpected result chunk")
			}
			res.Image = append(res.Image, m.Chunk...)
		}
	}
	if size < 0 || int64(len(res.Image)) != size {
		return Response{}, protocolError("result has %d of %d bytes", len(res.Image), size)
	}
	return res, nil
}

func protocolError(format string, args ...any) error {
	return &Error{Kind: ErrInternal, Msg: "plugin: protocol error: " + fmt.Sprintf(format, args...)}
}
