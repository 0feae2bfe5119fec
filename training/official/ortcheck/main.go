// Command ortcheck runs ONNX graphs with ONNX Runtime on tensors stored as .npy files.
// It exists for the PyTorch-side parity checks of training/official (parity.py); the engine
// itself goes through core/ort.
//
// One-shot:
//
//	go run ./training/official/ortcheck -model denoiser.onnx -in x_t=a.npy -in t=t.npy -in lq=lq.npy -out x0=out.npy
//
// Server (sessions are cached per model file; one JSON request per line on stdin, one JSON reply per line on stdout):
//
//	{"model": "denoiser.onnx", "inputs": {"x_t": "a.npy", ...}, "outputs": {"x0": "out.npy"}}
//	-> {"ok": true, "seconds": 0.93} or {"ok": false, "error": "..."}
//
// Supported .npy dtypes: little-endian float32 (<f4) and int64 (<i8), C order.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	ort "github.com/yalue/onnxruntime_go"
)

const defaultLib = "third_party/onnxruntime/lib/libonnxruntime.so.1"

type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }
func (p pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return fmt.Errorf("want name=file.npy, got %q", s)
	}
	p[k] = v
	return nil
}

type request struct {
	Model   string            `json:"model"`
	Inputs  map[string]string `json:"inputs"`
	Outputs map[string]string `json:"outputs"`
}

type reply struct {
	OK      bool    `json:"ok"`
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	Version string  `json:"version,omitempty"`     // ONNX Runtime version (request {"model": "version"})
	MaxRSS  float64 `json:"max_rss_mib,omitempty"` // peak resident memory of this process so far
}

type runner struct {
	threads  int
	sessions map[string]*session
}

type session struct {
	s       *ort.DynamicAdvancedSession
	inputs  []string
	outputs []string
}

func main() {
	lib := flag.String("lib", "", "path of libonnxruntime.so.1 (default: $RESSHIFT_ORT_LIB, then "+defaultLib+")")
	model := flag.String("model", "", "one-shot: the .onnx file (without it: serve JSON requests on stdin)")
	threads := flag.Int("threads", 2, "intra-op threads")
	in, out := pairs{}, pairs{}
	flag.Var(in, "in", "input name=file.npy (repeatable)")
	flag.Var(out, "out", "output name=file.npy (repeatable)")
	flag.Parse()

	path := *lib
	if path == "" {
		path = os.Getenv("RESSHIFT_ORT_LIB")
	}
	if path == "" {
		path = defaultLib
	}
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		fmt.Fprintln(os.Stderr, "ortcheck: init onnxruntime:", err)
		os.Exit(1)
	}
	defer ort.DestroyEnvironment()
	r := &runner{threads: *threads, sessions: map[string]*session{}}

	if *model != "" {
		t0 := time.Now()
		if err := r.run(request{Model: *model, Inputs: in, Outputs: out}); err != nil {
			fmt.Fprintln(os.Stderr, "ortcheck:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "ortcheck: %s ran in %.2fs (ORT %s)\n", *model, time.Since(t0).Seconds(), ort.GetVersion())
		return
	}

	enc := json.NewEncoder(os.Stdout)
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var req request
		var rep reply
		if err := json.Unmarshal([]byte(line), &req); err != nil {
			rep.Error = "bad request: " + err.Error()
		} else if req.Model == "version" {
			rep.OK, rep.Version = true, ort.GetVersion()
		} else {
			t0 := time.Now()
			if err := r.run(req); err != nil {
				rep.Error = err.Error()
			} else {
				rep.OK, rep.Seconds = true, time.Since(t0).Seconds()
			}
		}
		rep.MaxRSS = peakRSS()
		if err := enc.Encode(rep); err != nil {
			os.Exit(1)
		}
	}
}

func (r *runner) open(path string) (*session, error) {
	if s, ok := r.sessions[path]; ok {
		return s, nil
	}
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &session{}
	for _, i := range ins {
		s.inputs = append(s.inputs, i.Name)
	}
	for _, o := range outs {
		s.outputs = append(s.outputs, o.Name)
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(r.threads); err != nil {
		return nil, err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	s.s, err = ort.NewDynamicAdvancedSession(path, s.inputs, s.outputs, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.sessions[path] = s
	return s, nil
}

func (r *runner) run(req request) error {
	s, err := r.open(req.Model)
	if err != nil {
		return err
	}
	inputs := make([]ort.Value, len(s.inputs))
	defer func() {
		for _, v := range inputs {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	for i, name := range s.inputs {
		file, ok := req.Inputs[name]
		if !ok {
			return fmt.Errorf("%s: input %q not given (graph inputs: %v)", req.Model, name, s.inputs)
		}
		v, err := readNpy(file)
		if err != nil {
			return fmt.Errorf("input %s: %w", name, err)
		}
		inputs[i] = v
	}
	for name := range req.Inputs {
		if !contains(s.inputs, name) {
			return fmt.Errorf("%s: no graph input %q (graph inputs: %v)", req.Model, name, s.inputs)
		}
	}
	outputs := make([]ort.Value, len(s.outputs))
	if err := s.s.Run(inputs, outputs); err != nil {
		return fmt.Errorf("%s: run: %w", req.Model, err)
	}
	defer func() {
		for _, v := range outputs {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	names := make([]string, 0, len(req.Outputs))
	for n := range req.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		idx := index(s.outputs, name)
		if idx < 0 {
			return fmt.Errorf("%s: no graph output %q (graph outputs: %v)", req.Model, name, s.outputs)
		}
		if err := writeNpy(req.Outputs[name], outputs[idx]); err != nil {
			return fmt.Errorf("output %s: %w", name, err)
		}
	}
	return nil
}

// peakRSS is this process's resident-memory high-water mark in MiB (VmHWM; getrusage's ru_maxrss would also
// count the parent's memory at fork time). 0 when unknown.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseFloat(f[0], 64)
				if err == nil {
					return kb / 1024
				}
			}
		}
	}
	return 0
}

func contains(list []string, s string) bool { return index(list, s) >= 0 }

func index(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

var (
	descrRe = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	orderRe = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	shapeRe = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

func readNpy(path string) (ort.Value, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("%s: not a .npy file", path)
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf("%s: truncated header", path)
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, fmt.Errorf("%s: unsupported .npy version %d", path, b[6])
	}
	if start+hlen > len(b) {
		return nil, fmt.Errorf("%s: truncated header", path)
	}
	header := string(b[start : start+hlen])
	data := b[start+hlen:]
	d := descrRe.FindStringSubmatch(header)
	o := orderRe.FindStringSubmatch(header)
	sh := shapeRe.FindStringSubmatch(header)
	if d == nil || o == nil || sh == nil {
		return nil, fmt.Errorf("%s: cannot parse header %q", path, header)
	}
	if o[1] != "False" {
		return nil, fmt.Errorf("%s: fortran order not supported", path)
	}
	var shape ort.Shape
	for _, f := range strings.Split(sh[1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: bad shape %q", path, sh[1])
		}
		shape = append(shape, n)
	}
	if len(shape) == 0 {
		shape = ort.Shape{} // scalar
	}
	n := int(shape.FlattenedSize())
	switch d[1] {
	case "<f4":
		if len(data) != 4*n {
			return nil, fmt.Errorf("%s: %d data bytes for %d float32", path, len(data), n)
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		return ort.NewTensor(shape, v)
	case "<i8":
		if len(data) != 8*n {
			return nil, fmt.Errorf("%s: %d data bytes for %d int64", path, len(data), n)
		}
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
		return ort.NewTensor(shape, v)
	}
	return nil, fmt.Errorf("%s: unsupported dtype %q (want <f4 or <i8)", path, d[1])
}

func writeNpy(path string, v ort.Value) error {
	var descr string
	var payload []byte
	shape := v.GetShape()
	switch t := v.(type) {
	case *ort.Tensor[float32]:
		descr = "<f4"
		data := t.GetData()
		payload = make([]byte, 4*len(data))
		for i, f := range data {
			binary.LittleEndian.PutUint32(payload[4*i:], math.Float32bits(f))
		}
	case *ort.Tensor[int64]:
		descr = "<i8"
		data := t.GetData()
		payload = make([]byte, 8*len(data))
		for i, x := range data {
			binary.LittleEndian.PutUint64(payload[8*i:], uint64(x))
		}
	default:
		return errors.New("unsupported output type (want float32 or int64 tensor)")
	}
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = strconv.FormatInt(s, 10)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	pad := 64 - (10+len(header)+1)%64
	if pad == 64 {
		pad = 0
	}
	header += strings.Repeat(" ", pad) + "\n"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	buf.Write(payload)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
