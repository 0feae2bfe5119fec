package modelpack

import "slices"

// ReservedName is the model name that means "the default pack" wherever a
// pack is chosen by name; no pack may use it as its name or an alias.
const ReservedName = "default"

// Names returns the names a pack answers to: its name, then its aliases in
// manifest order.
func (m *Manifest) Names() []string {
	return append([]string{m.Name}, m.Aliases...)
}

// aliases checks the optional top-level `aliases` list: each alias matches
// the name pattern, differs from the name and the other aliases, and is not
// the reserved word "default".
func (v *validator) aliases() {
	m := v.m
	for i, a := range m.Aliases {
		switch {
		case !nameRE.MatchString(a):
			v.add("aliases", "%q must match [a-z0-9._-]+", a)
		case a == ReservedName:
			v.add("aliases", "%q is reserved (it selects the default pack)", a)
		case a == m.Name:
			v.add("aliases", "%q is the pack's name", a)
		case slices.Contains(m.Aliases[:i], a):
			v.add("aliases", "%q is listed twice", a)
		}
	}
}
