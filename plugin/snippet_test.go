package plugin_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The plugin snippets of README.md and docs/plugin.md are Example's body,
// which is compiled and run (lifetime_test.go), so they cannot drift.
func TestSnippetsMatchExample(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)\nfunc Example\(\) \{\n(.*?)\n\}\n`).FindSubmatch(src)
	if m == nil {
		t.Fatal("no Example in example_test.go")
	}
	var body []string
	for _, l := range strings.Split(string(m[1]), "\n") {
		body = append(body, strings.TrimPrefix(l, "\t"))
	}
	want := strings.Join(body, "\n")
	for _, doc := range []string{"../README.md", "../docs/plugin.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, block := range regexp.MustCompile("(?s)```go\n(.*?)\n```").FindAllSubmatch(b, -1) {
			if strings.Contains(string(block[1]), "plugin.NewHost(plugin.HostConfig{Path: \"build/resshift-plugin\"") {
				found = true
				if string(block[1]) != want {
					t.Errorf("%s: the plugin snippet differs from Example in plugin/example_test.go:\n%s", doc, block[1])
				}
			}
		}
		if !found {
			t.Errorf("%s: no plugin snippet", doc)
		}
	}
}
