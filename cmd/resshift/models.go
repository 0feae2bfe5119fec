package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/resshift/resshift/models"
)

// modelUsage is the -h text of --model.
var modelUsage = "model pack: the `name` or alias of an embedded pack (" + embeddedNames() +
	"; see 'resshift info --models') or a directory holding model.toml (default: " + models.DefaultName + ")"

// embeddedNames lists the embedded packs as "name (alias)".
func embeddedNames() string {
	list, err := models.List()
	if err != nil {
		return "none: " + err.Error()
	}
	var parts []string
	for _, m := range list {
		s := m.Name
		if len(m.Aliases) > 0 {
			s += " (" + strings.Join(m.Aliases, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// modelJSON is one entry of `info --models --json`.
type modelJSON struct {
	Name        string   `json:"name"`
	Aliases     []string `json:"aliases"`
	Version     string   `json:"version"`
	Scale       int      `json:"scale"`
	Space       string   `json:"space"`
	Steps       int      `json:"steps"`
	License     string   `json:"license"`
	Description string   `json:"description"`
	Default     bool     `json:"default"`
}

// printModels writes the embedded packs, as a table or a JSON array.
func printModels(e *env, asJSON bool) error {
	list, err := models.List()
	if err != nil {
		return err
	}
	out := make([]modelJSON, len(list))
	for i, m := range list {
		al := m.Aliases
		if al == nil {
			al = []string{}
		}
		out[i] = modelJSON{Name: m.Name, Aliases: al, Version: m.Version, Scale: m.Scale, Space: m.Space,
			Steps: m.Diffusion.Steps, License: m.License, Description: m.Description, Default: m.Default}
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tALIASES\tSCALE\tSTEPS\tDEFAULT\tDESCRIPTION")
	for _, m := range out {
		def := ""
		if m.Default {
			def = "default"
		}
		fmt.Fprintf(tw, "%s\t%s\t×%d\t%d\t%s\t%s\n", m.Name, strings.Join(m.Aliases, ", "), m.Scale, m.Steps, def, m.Description)
	}
	return tw.Flush()
}
