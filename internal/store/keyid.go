package store

import "strings"

// ValidAccessKeyID reports whether id has the shape of an AWS access key id:
// 16 to 128 upper-case letters and digits.
func ValidAccessKeyID(id string) bool {
	if len(id) < 16 || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// MaskKeyID shows an access key id with all but its first four and last
// four characters hidden.
func MaskKeyID(id string) string {
	if len(id) < 12 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
}
