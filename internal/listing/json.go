package listing

import (
	"unicode/utf8"
)

// appendJSON appends rows as json.MarshalIndent(rows, "", "  ") writes
// them, byte for byte (TestAppendJSON, FuzzAppendJSON), without its
// reflection: encoding/json spent a quarter of `sesame list --json` over
// thousands of profiles.
func appendJSON(b []byte, rows []Row) []byte {
	if rows == nil {
		return append(b, "null"...)
	}
	if len(rows) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, "[\n"...)
	for i, r := range rows {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, "  {\n    \"name\": "...)
		b = appendString(b, r.Name)
		b = append(b, ",\n    \"source\": "...)
		b = appendString(b, r.Source)
		b = append(b, ",\n    \"chain\": "...)
		switch {
		case r.Chain == nil:
			b = append(b, "null"...)
		case len(r.Chain) == 0:
			b = append(b, "[]"...)
		default:
			b = append(b, "[\n"...)
			for j, c := range r.Chain {
				if j > 0 {
					b = append(b, ",\n"...)
				}
				b = append(b, "      "...)
				b = appendString(b, c)
			}
			b = append(b, "\n    ]"...)
		}
		b = append(b, ",\n    \"region\": "...)
		b = appendOptional(b, r.Region)
		b = append(b, ",\n    \"sso_session\": "...)
		b = appendOptional(b, r.SSOSession)
		b = append(b, ",\n    \"stored_key\": "...)
		if r.StoredKey {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
		b = append(b, ",\n    \"session_expiration\": "...)
		b = appendOptional(b, r.SessionExpiration)
		if r.Error != "" {
			b = append(b, ",\n    \"error\": "...)
			b = appendString(b, r.Error)
		}
		if r.Note != "" {
			b = append(b, ",\n    \"note\": "...)
			b = appendString(b, r.Note)
		}
		b = append(b, "\n  }"...)
	}
	return append(b, "\n]"...)
}

func appendOptional(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string as encoding/json writes it (with
// its HTML escaping): \" \\ \b \f \n \r \t, other C0 controls and < > & as
// \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
