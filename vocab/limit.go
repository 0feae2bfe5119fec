package vocab

import "fmt"

// NoLimit is the value of a size limit (input pixels, file bytes, output
// pixels) that turns it off. A limit of 0 means the built-in default, a
// positive one is the limit itself; other negative values are refused
// (see [CheckLimit]). Every face (TOML [limits], the Go option types) uses
// this one rule.
const NoLimit = -1

// CheckLimit returns what is wrong with a size limit value, or "" when it
// is valid: 0 (the default), NoLimit, or a positive limit. Each face
// prefixes the message with its own name of the value.
func CheckLimit(v int64) string {
	if v < NoLimit {
		return fmt.Sprintf("must be 0 (the default), %d (no limit) or a positive limit, got %d", NoLimit, v)
	}
	return ""
}
