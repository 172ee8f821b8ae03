package sqlite

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tramite/tramite/procedure"
)

// decodeCaseRow decodes into c the array json_array writes of the columns
// of caseRow. The strings of c share the memory of s.
func decodeCaseRow(s string, c *procedure.Case) error {
	r := rowReader{s: s}
	r.caseFields(c)
	r.end()
	return r.err
}

// caseFields reads the columns of caseRow from the start of the array.
func (r *rowReader) caseFields(c *procedure.Case) {
	c.ID = r.text('[')
	c.Procedure = r.text(',')
	c.State = procedure.State(r.text(','))
	c.Version = r.integer()
	c.System = r.text(',')
	c.Description = r.text(',')
	c.Unit = r.text(',')
	c.RequesterID = r.text(',')
	c.Assignee = r.text(',')
	c.Step = int(r.integer())
	c.WaitingRole = procedure.RoleID(r.text(','))
	c.WaitingActor = r.text(',')
	c.WaitingUnit = r.text(',')
	c.CreatedAt = fromNanos(r.integer())
	c.UpdatedAt = fromNanos(r.integer())
	c.LastActor = r.text(',')
	c.RequesterName = r.text(',')
}

// rowReader reads a JSON array as SQLite's json_array writes it of TEXT and
// INTEGER values: without spaces, each INTEGER in decimal, each TEXT as a
// string in which only '"', '\' and control characters are escaped. Any
// JSON escape is understood; bytes that are not UTF-8 are kept as they are.
type rowReader struct {
	s   string
	i   int
	err error
}

func (r *rowReader) fail() {
	if r.err == nil {
		r.err = fmt.Errorf("malformed case row at byte %d of %d", r.i, len(r.s))
	}
}

// sep reads the byte before a value: '[' before the first, ',' before the
// others.
func (r *rowReader) sep(b byte) bool {
	if r.err != nil || r.i >= len(r.s) || r.s[r.i] != b {
		r.fail()
		return false
	}
	r.i++
	return true
}

func (r *rowReader) text(sep byte) string {
	if !r.sep(sep) || r.i >= len(r.s) || r.s[r.i] != '"' {
		r.fail()
		return ""
	}
	r.i++
	n := strings.IndexByte(r.s[r.i:], '"')
	if n < 0 {
		r.fail()
		return ""
	}
	if v := r.s[r.i : r.i+n]; strings.IndexByte(v, '\\') < 0 {
		r.i += n + 1
		return v
	}
	return r.unescape()
}

// unescape reads the rest of a string that has escapes.
func (r *rowReader) unescape() string {
	var b []byte
	for r.i < len(r.s) {
		c := r.s[r.i]
		r.i++
		switch {
		case c == '"':
			return string(b)
		case c != '\\':
			b = append(b, c)
		case r.i == len(r.s):
			r.fail()
			return ""
		default:
			e := r.s[r.i]
			r.i++
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				u := r.hex4()
				if utf16.IsSurrogate(u) {
					lo := utf8.RuneError
					if strings.HasPrefix(r.s[r.i:], `\u`) {
						r.i += 2
						lo = r.hex4()
					}
					u = utf16.DecodeRune(u, lo) // U+FFFD unless a pair
				}
				b = utf8.AppendRune(b, u)
			default:
				r.fail()
				return ""
			}
		}
	}
	r.fail()
	return ""
}

func (r *rowReader) hex4() rune {
	if r.i+4 > len(r.s) {
		r.fail()
		return utf8.RuneError
	}
	u, err := strconv.ParseUint(r.s[r.i:r.i+4], 16, 16)
	if err != nil {
		r.fail()
		return utf8.RuneError
	}
	r.i += 4
	return rune(u)
}

func (r *rowReader) integer() int64 { return r.integerAfter(',') }

// integerAfter reads an INTEGER after the byte sep.
func (r *rowReader) integerAfter(sep byte) int64 {
	if !r.sep(sep) {
		return 0
	}
	j := r.i
	if j < len(r.s) && r.s[j] == '-' {
		j++
	}
	for j < len(r.s) && '0' <= r.s[j] && r.s[j] <= '9' {
		j++
	}
	v, err := strconv.ParseInt(r.s[r.i:j], 10, 64)
	if err != nil {
		r.fail()
		return 0
	}
	r.i = j
	return v
}

// end reads the ']' that closes the array, the last byte of the row.
func (r *rowReader) end() {
	if r.sep(']') && r.i != len(r.s) {
		r.fail()
	}
}
