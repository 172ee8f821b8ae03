package report_test

import (
	"bytes"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/report"
)

// FuzzVerifySignatures feeds VerifySignatures a signed conclusion report
// with bytes changed, cut or added: it answers or returns EINVALID, never
// panics, and never calls a changed document's signatures all valid
// unless the change left what they cover alone.
func FuzzVerifySignatures(f *testing.F) {
	e, c, h := closedCase(f, "x", 0)
	base := render(f, input(f, e, c, h, manual.TopicInformeConclusion, manual.EventIssueMemo), report.Options{})
	ca := newTestCA(f)
	signed := signLTV(f, ca, base, ca.issue("Fabio Choque"))
	opts := report.VerifyOptions{Roots: ca.pool, RequireTimestamp: true, RequireRevocation: true}
	f.Add(uint32(100), byte(1), uint32(0))
	f.Add(uint32(len(base)+50), byte(0x20), uint32(0))
	f.Add(uint32(len(signed)-10), byte(0), uint32(len(signed)/2))
	f.Fuzz(func(t *testing.T, at uint32, xor byte, cut uint32) {
		b := bytes.Clone(signed)
		i := int(at) % len(b)
		b[i] ^= xor
		if cut > 0 {
			b = b[:int(cut)%len(b)]
		}
		sigs, err := report.VerifySignatures(b, opts)
		if err != nil {
			if procedure.ErrorCode(err) != procedure.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			return
		}
		changed := !bytes.Equal(b, signed)
		for _, s := range sigs {
			// A valid signature must cover unchanged bytes: the change was
			// in its own value (the hole) or after its revision.
			if s.Valid && changed && cut == 0 && xor != 0 && int64(i) < s.RevisionEnd && !inHole(signed, s, i) {
				t.Fatalf("signature %d still valid with byte %d changed", s.Index, i)
			}
		}
	})
}

// inHole tells whether offset i is inside the /Contents value of the
// signature whose revision ends at s.RevisionEnd, where a change leaves the
// digest alone (the CMS parser may still accept padding changes).
func inHole(pdf []byte, s report.Signature, i int) bool {
	end := int(s.RevisionEnd)
	start := bytes.LastIndex(pdf[:end], []byte("/Contents<"))
	if start < 0 {
		return false
	}
	close := bytes.IndexByte(pdf[start:end], '>')
	return i > start && i < start+close
}
