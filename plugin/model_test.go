package plugin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/resshift/resshift/plugin"
)

// The plugin loads an embedded pack by name or alias from its config's model
// key or RESSHIFT_MODEL; an unknown name fails the launch, listing the names.
func TestPluginModelByName(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  plugin.HostConfig
		want string // Info().Model, or "" for a launch error
		msg  string
	}{
		{"alias in the config", plugin.HostConfig{Args: []string{"-config", writeConfig(t, "byalias", "model = \"clean\"\n[runtime]\nintra_op_threads = 1\n")}}, "resshift-lite-x4", ""},
		{"name in RESSHIFT_MODEL", plugin.HostConfig{Env: []string{"RESSHIFT_MODEL=resshift-lite-x4", "RESSHIFT_THREADS=1"}}, "resshift-lite-x4", ""},
		{"unknown name", plugin.HostConfig{Env: []string{"RESSHIFT_MODEL=reel"}}, "", "resshift-lite-x4 (clean)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Path, tc.cfg.Logger = pluginBin(t), hclog.NewNullLogger()
			h, err := plugin.NewHost(tc.cfg)
			if tc.want == "" {
				if err == nil {
					h.Close()
					t.Fatal("no error")
				}
				if !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("error %q does not name %q", err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			info, err := h.Info(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if info.Model != tc.want {
				t.Fatalf("model %q, want %q", info.Model, tc.want)
			}
		})
	}
}
