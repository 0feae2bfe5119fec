package queue

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/resshift/resshift/vocab"
)

// FuzzJobMessage: a job message body, as a worker decodes it, never panics the worker: it is not JSON (a JSON
// error), fails Job.check with a message naming the problem, or is a job whose id and batch are single subject
// tokens (its result subject has exactly the expected tokens), that survives a JSON round trip, and whose
// file:// locations resolve only to paths inside the worker's file root (anything else is ErrBadInput). A format
// name vocab.ParseFormat does not read is an ErrInvalidInput decoding error; an alias reads as the canonical name.
// Seeded with job messages like those the tests and Submit publish.
func FuzzJobMessage(f *testing.F) {
	root := f.TempDir()
	for _, j := range []Job{
		{ID: JobID([]byte("png bytes"), Options{}), Batch: BatchID("a", "b"), Input: "in/a.png", Output: "out/a_x4.png"},
		{ID: "f1", Batch: "b1", Input: FileURL(filepath.Join(root, "in.png")), Output: FileURL(filepath.Join(root, "out", "in_x4.png")),
			Options: Options{Format: "webp", Quality: 90, Strip: true}},
		{ID: "a3", Batch: "b1", Input: FileURL("/etc/passwd"), Output: "file://" + root + "/../x.png"},
		{ID: "a6", Batch: "b1", Input: "http://127.0.0.1:1/x.png", Output: "out/a6"},
		{ID: "bad.id", Batch: "b*", Input: "", Output: ""},
	} {
		b, err := json.Marshal(j)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"x","batch":"y","input":"file://localhost/../../etc/passwd","output":"file:///%2e%2e/o"}`))
	f.Add([]byte(`not a job`))
	f.Add([]byte(`{"id":"x","batch":"y","input":"in/x","output":"out/x","options":{"format":"bmp"}}`))
	f.Add([]byte(`{"id":"x","batch":"y","input":"in/x","output":"out/x","options":{"format":"JPG"}}`))
	a := access{fileRoot: root}
	cfg := DefaultConfig()
	f.Fuzz(func(t *testing.T, data []byte) {
		var job Job
		if err := json.Unmarshal(data, &job); err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			// A typed field (options.format, vocab.Format) refuses a name it does not know with its own error.
			if !errors.As(err, &se) && !errors.As(err, &te) && !strings.HasPrefix(err.Error(), "json: ") &&
				!strings.HasPrefix(err.Error(), "unexpected end of JSON input") && !errors.Is(err, vocab.ErrInvalidInput) {
				t.Fatalf("JSON error %T %v", err, err)
			}
			return
		}
		if err := job.check(); err != nil {
			if !strings.HasPrefix(err.Error(), "job") || !strings.Contains(err.Error(), ":") {
				t.Fatalf("check error %q does not name the job and the problem", err)
			}
			return
		}
		if job.Input == "" || job.Output == "" {
			t.Fatalf("checked job %+v has no input or output", job)
		}
		subj := cfg.ResultSubject(job.Batch, job.ID)
		if want := strings.Count(cfg.ResultSubject("b", "i"), "."); strings.Count(subj, ".") != want ||
			strings.ContainsAny(subj, " \t\r\n*>") {
			t.Fatalf("result subject %q of a checked job (want %d dots, no wildcards or spaces)", subj, want)
		}
		b, err := json.Marshal(job)
		if err != nil {
			t.Fatalf("marshal a decoded job: %v", err)
		}
		var back Job
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(job, back) {
			t.Fatalf("JSON round trip: %+v → %s → %+v (%v)", job, b, back, err)
		}
		for _, loc := range []string{job.Input, job.Output} {
			if !isFileURL(loc) {
				continue
			}
			r, rel, err := a.file(loc)
			if err != nil {
				if !errors.Is(err, ErrBadInput) {
					t.Fatalf("file location %q: error %v is not ErrBadInput", loc, err)
				}
				continue
			}
			r.Close()
			if !filepath.IsLocal(rel) {
				t.Fatalf("file location %q resolved to %q, not local to the root", loc, rel)
			}
			p, _ := filePath(loc)
			if got := filepath.Join(root, rel); got != filepath.Clean(p) {
				t.Fatalf("file location %q: root + %q = %q, want its path %q", loc, rel, got, p)
			}
		}
	})
}
