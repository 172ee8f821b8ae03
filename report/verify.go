package report

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"

	"github.com/tramite/tramite/procedure"
)

// Fingerprint returns the hex SHA-256 that identifies a document and that
// its QR code and verification code carry. A document cannot contain the
// digest of its own bytes, so the fingerprint is defined over what the
// document states instead:
//
//	SHA-256 of the length-prefixed strings (8-byte big-endian length, then
//	the bytes, as in procedure.Entry.ComputeHash):
//	  "tramite-report-v1", topic, cite number, case ID, procedure code,
//	  the decimal Seq of the last history entry the document reflects,
//	  and that entry's Hash.
//
// Because history entries are hash-chained, that last Hash covers every
// entry before it, with all its data: whoever holds the case's history
// (procedure.VerifyChain passes) can recompute the fingerprint of any
// version of any document and compare it with the paper's. The document's
// bytes, which also carry digital signatures, are stored with their own
// SHA-256 (procedure.Document.SHA256).
//
// It returns EINVALID when the case has no history entry at in.Seq.
func Fingerprint(in Input) (string, error) {
	last, err := in.lastEntry()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	w := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	w("tramite-report-v1")
	w(in.Topic)
	w(in.Number)
	w(in.Case.ID)
	w(in.Case.Procedure)
	w(strconv.Itoa(last.Seq))
	w(last.Hash)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// VerifyCode returns the short verification code printed on a document:
// the first 50 bits of the fingerprint in base32, as two groups of five
// ("ABCDE-FGH23"). It returns "" when sha256hex is not 64 hex digits.
func VerifyCode(sha256hex string) string {
	b, err := hex.DecodeString(sha256hex)
	if err != nil || len(b) != sha256.Size {
		return ""
	}
	s := base32.StdEncoding.EncodeToString(b[:7])[:10]
	return s[:5] + "-" + s[5:]
}

// VerifyURL returns the verification address of a document: base followed
// by the fingerprint, query-escaped; a base with "{h}" in it gets the
// fingerprint there instead. It returns "" for an empty base.
func VerifyURL(base, sha256hex string) string {
	if base == "" {
		return ""
	}
	h := url.QueryEscape(sha256hex)
	if strings.Contains(base, "{h}") {
		return strings.ReplaceAll(base, "{h}", h)
	}
	return base + h
}

func (in Input) lastEntry() (procedure.Entry, error) {
	h := in.history()
	if len(h) == 0 {
		return procedure.Entry{}, procedure.Errorf(procedure.EINVALID,
			"el trámite %q no tiene historial hasta la entrada %d: cargue el historial del trámite antes de generar el documento", in.Case.ID, in.Seq)
	}
	return h[len(h)-1], nil
}
