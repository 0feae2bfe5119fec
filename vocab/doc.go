// Package vocab is the vocabulary every face of resshift speaks: the CLI,
// the C ABI, the plugin (host and process), the govips stage and the
// example server all sit over the engine (package core) and describe a call
// in these words.
//
//   - [Format]: an encoded image format (png, jpeg, webp, tiff, avif,
//     heif), parsed with its aliases (jpg, tif, heic), with its MIME type,
//     file extension and magic-byte sniffing;
//   - [Sampler]: the reverse-process kind (stochastic or deterministic;
//     the zero value, [SamplerDefault], is "not chosen");
//   - [ModelInfo]: the model and runtime description every face reports;
//   - [Progress] and [Stats]: what an upscale call reports while and after
//     it runs;
//   - the error kinds ([ErrInvalidInput] and its refinements, [ErrCanceled],
//     [ErrInternal], ...): sentinels for errors.Is. Every error the engine
//     or a face returns matches exactly one leaf kind (and its parents);
//     [KindOf] names it, and each face turns that kind into its own code
//     (C status, gRPC code, HTTP status) with one table.
//
// The package is pure Go: it needs neither cgo, ONNX Runtime nor libvips,
// so a client that only speaks to a plugin or server can import it alone.
package vocab
