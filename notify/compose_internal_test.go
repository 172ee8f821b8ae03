package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"github.com/tramite/tramite/procedure"
)

// writeEmailReference is WriteEmail as it was before it encoded the
// attachments itself: go-message's writers all the way. WriteEmail must
// write the same bytes.
func writeEmailReference(w io.Writer, e Email) error {
	from, err := addressList("From", []procedure.Address{e.From})
	if err != nil {
		return err
	}
	to, err := addressList("To", e.To)
	if err != nil {
		return err
	}
	cc, err := addressList("Cc", e.Cc)
	if err != nil {
		return err
	}
	if len(to)+len(cc) == 0 {
		return procedure.Errorf(procedure.EINVALID, "el correo %q no tiene destinatarios", e.Subject)
	}
	if e.Text == "" && e.HTML == "" {
		return procedure.Errorf(procedure.EINVALID, "el correo %q no tiene cuerpo", e.Subject)
	}
	boundary := func(part string) map[string]string {
		if e.MessageID == "" {
			return map[string]string{}
		}
		sum := sha256.Sum256([]byte(e.MessageID + "/" + part))
		return map[string]string{"boundary": "tramite-" + part + "-" + hex.EncodeToString(sum[:12])}
	}
	// go-message writes header fields in the reverse order of their
	// addition: add them from the last wanted to the first.
	var h gomail.Header
	keys := make([]string, 0, len(e.Headers))
	for k := range e.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i := len(keys) - 1; i >= 0; i-- {
		h.SetText(keys[i], e.Headers[keys[i]])
	}
	if len(e.Attachments) == 0 {
		h.SetContentType("multipart/alternative", boundary("alt"))
	} else {
		h.SetContentType("multipart/mixed", boundary("mixed"))
	}
	if n := len(e.References); n > 0 {
		h.SetMsgIDList("References", e.References)
		h.SetMsgIDList("In-Reply-To", e.References[n-1:])
	}
	h.SetMessageID(e.MessageID)
	h.SetSubject(e.Subject)
	h.SetAddressList("Cc", cc)
	h.SetAddressList("To", to)
	h.SetAddressList("From", from)
	if !e.Date.IsZero() {
		h.SetDate(e.Date)
	}

	var alt *message.Writer
	var mixed *message.Writer
	if len(e.Attachments) == 0 {
		if alt, err = message.CreateWriter(w, h.Header); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
	} else {
		if mixed, err = message.CreateWriter(w, h.Header); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		var ah message.Header
		ah.SetContentType("multipart/alternative", boundary("alt"))
		if alt, err = mixed.CreatePart(ah); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
	}
	for _, p := range []struct{ typ, body string }{{"text/plain", e.Text}, {"text/html", e.HTML}} {
		if p.body == "" {
			continue
		}
		var ph message.Header
		ph.SetContentType(p.typ, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := alt.CreatePart(ph)
		if err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		if _, err := io.WriteString(pw, crlf(p.body)); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		if err := pw.Close(); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
	}
	if err := alt.Close(); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	if mixed == nil {
		return nil
	}
	for _, a := range e.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		var ah gomail.AttachmentHeader
		ah.SetContentType(ct, map[string]string{"name": a.Filename})
		ah.SetFilename(a.Filename)
		ah.Set("Content-Transfer-Encoding", "base64")
		aw, err := mixed.CreatePart(ah.Header)
		if err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		if _, err := aw.Write(a.Data); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		if err := aw.Close(); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
	}
	if err := mixed.Close(); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	return nil
}

// TestComposeMatchesGoMessage: below their header, the emails written with
// this package's attachment encoder are byte for byte those go-message's
// writers make, for attachments of every length around the line and chunk
// sizes. (The header is written by the same code either way.)
func TestComposeMatchesGoMessage(t *testing.T) {
	to := []procedure.Address{{Name: "Ñusta Álvarez", Email: "nusta@agetic.gob.bo"}}
	cc := []procedure.Address{{Name: "Jefe, UIT", Email: "carla@agetic.gob.bo"}, {Email: "diego@agetic.gob.bo"}}
	from := procedure.Address{Name: "Trámites UIT", Email: "tramites@agetic.gob.bo"}
	long := strings.Repeat("línea larga con acentos áéíóú y signos = ? ", 40)
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i/3)
		}
		return b
	}
	var emails []Email
	for _, n := range []int{0, 1, 2, 3, 56, 57, 58, 113, 114, 115, 171, 3648, 3649, 4096, 64*57 - 1, 64 * 57, 64*57 + 1, 25000} {
		emails = append(emails, Email{From: from, To: to, Cc: cc, Subject: fmt.Sprintf("Nota Interna %d", n),
			Text: "Hola\n" + long + "\n", HTML: "<p>" + long + "</p>", MessageID: fmt.Sprintf("m%d@tramite.agetic.gob.bo", n),
			References: []string{"PR01-2026-0001@tramite.agetic.gob.bo"}, Date: time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC),
			Headers:     map[string]string{"X-Tramite-Item": "PR01-2026-0001/9/email/nota-interna", "Auto-Submitted": "auto-generated"},
			Attachments: []Attachment{{Filename: "nota.pdf", ContentType: "application/pdf", Data: data(n)}}})
	}
	emails = append(emails,
		Email{From: from, To: to, Subject: "solo texto", Text: "uno\r\ndos\n", MessageID: "t@x"},
		Email{From: from, Cc: cc, Subject: "solo HTML", HTML: "<b>hola</b>", MessageID: "h@x"},
		Email{From: from, To: to, Subject: "dos adjuntos", Text: "t", HTML: "h", MessageID: "a@x",
			Attachments: []Attachment{{Filename: "a.pdf", Data: data(100)}, {Filename: "b.bin", ContentType: "application/octet-stream", Data: data(1000)}}})
	for _, e := range emails {
		var want, got bytes.Buffer
		if err := writeEmailReference(&want, e); err != nil {
			t.Fatal(err)
		}
		if err := WriteEmail(&got, e); err != nil {
			t.Fatal(err)
		}
		if g, w := body(got.Bytes()), body(want.Bytes()); !bytes.Equal(g, w) {
			t.Errorf("%s: differs from go-message's\n got: %q\nwant: %q", e.Subject, tail(g), tail(w))
		}
	}
	// Without a Message-ID the boundaries are random, as go-message makes
	// them; the message still reads back whole.
	e := emails[len(emails)-1]
	e.MessageID = ""
	var b bytes.Buffer
	if err := WriteEmail(&b, e); err != nil {
		t.Fatal(err)
	}
	r, err := gomail.CreateReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	parts := 0
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := p.Header.(*gomail.AttachmentHeader); ok {
			name, _ := h.Filename()
			body, _ := io.ReadAll(p.Body)
			if want := data(map[string]int{"a.pdf": 100, "b.bin": 1000}[name]); !bytes.Equal(body, want) {
				t.Errorf("%s: the attachment does not decode to what was attached", name)
			}
		}
		parts++
	}
	if parts != 4 {
		t.Errorf("%d parts, want text, HTML and two attachments", parts)
	}
}

// body is what follows the header of a message.
func body(msg []byte) []byte {
	_, b, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	return b
}

func tail(b []byte) []byte {
	if len(b) > 300 {
		return b[len(b)-300:]
	}
	return b
}
