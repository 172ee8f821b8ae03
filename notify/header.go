package notify

import (
	"bytes"
	"mime"
	"net/textproto"
	"strings"

	gomail "github.com/emersion/go-message/mail"

	"github.com/tramite/tramite/procedure"
)

// Header fields that carry text from people (names, subjects, whatever a
// definition puts in a custom field) are formatted here and handed to
// go-message ready-made with AddRaw. go-message folds a field by appending
// one line at a time to a string, which copies the field once per line: a
// name of 64,000 "ñ" took half a second, 256,000 over eight. The folding
// below is the same as go-message's, line for line, so the bytes do not
// change, but it writes into one buffer: linear in the field's length.

// Line lengths of go-message's folding (RFC 5322 section 2.1.1).
const (
	preferredHeaderLen = 76
	maxHeaderLen       = 998
)

// addText adds the unstructured field key: v, RFC 2047 encoded when v is
// not printable ASCII (as go-message's SetText).
func addText(h *gomail.Header, key, v string) error {
	return addField(h, key, mime.QEncoding.Encode("utf-8", v))
}

// addAddresses adds the address list field key, when as is not empty (as
// go-message's SetAddressList).
func addAddresses(h *gomail.Header, key string, as []*gomail.Address) error {
	if len(as) == 0 {
		return nil
	}
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	return addField(h, key, b.String())
}

// addField adds the field key: v, folded. v must already be encoded: no
// CR or LF may remain in it.
func addField(h *gomail.Header, key, v string) error {
	if !validFieldName(key) {
		return procedure.Errorf(procedure.EINVALID, "el nombre de campo de cabecera %q no es válido", key)
	}
	if strings.ContainsAny(v, "\r\n") {
		return procedure.Errorf(procedure.EINVALID, "el campo de cabecera %s contiene un salto de línea", key)
	}
	h.AddRaw(foldField(textproto.CanonicalMIMEHeaderKey(key), v))
	return nil
}

// validFieldName reports whether k is a header field name: printable
// US-ASCII characters other than the colon (RFC 5322 section 3.6.8), at
// most 64 of them so that the value starts on the field's first line.
func validFieldName(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// foldField returns "key: v\r\n" folded as go-message's formatHeaderField
// folds it: lines of at most 76 characters, broken at white space where
// there is some, at 998 where a word is longer than that.
func foldField(key, v string) []byte {
	var b bytes.Buffer
	b.Grow(len(key) + 4 + len(v) + 3*(len(v)/(preferredHeaderLen-10)+1))
	b.WriteString(key)
	b.WriteString(": ")
	if v == "" {
		b.WriteString("\r\n")
		return b.Bytes()
	}
	keylen := len(key) + 2
	for len(v) > 0 {
		line, fold, next, ok := foldLine(v, preferredHeaderLen-keylen)
		if !ok {
			// Folding here would add a space to the value: try with the
			// hard limit.
			line, fold, next, _ = foldLine(v, maxHeaderLen-keylen)
		}
		b.WriteString(line)
		b.WriteString(fold)
		v, keylen = next, 0
	}
	return b.Bytes()
}

// foldLine is go-message's foldLine returning its pieces instead of their
// concatenation: the line, the folding to write after it, the rest of v,
// and whether the folding kept v intact (false when it had to insert a
// space in the middle of a word).
func foldLine(v string, maxlen int) (line, fold, next string, ok bool) {
	ok = true
	foldBefore := maxlen + 1
	foldAt := len(v)
	if foldBefore > len(v) {
		if v[len(v)-1] != '\n' {
			fold = "\r\n"
		}
	} else {
		foldAt = strings.LastIndexAny(v[:foldBefore], " \t\n")
		if foldAt == 0 {
			// The white space found is the previous folding's.
			foldAt = foldBefore - 1
		} else if foldAt < 0 {
			// No white space: one has to be inserted.
			foldAt = foldBefore - 2
		}
		switch v[foldAt] {
		case ' ', '\t':
			if v[foldAt-1] != '\n' {
				fold = "\r\n"
			}
		case '\n':
		default:
			fold = "\r\n "
			ok = false
		}
	}
	return v[:foldAt], fold, v[foldAt:], ok
}
