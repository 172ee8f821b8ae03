package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/tramite/tramite/procedure"
)

// Email is a message ready to be written by Compose.
type Email struct {
	From    procedure.Address
	To      []procedure.Address
	Cc      []procedure.Address
	Subject string
	// Text and HTML are the two alternatives of the body; at least one is
	// required.
	Text string
	HTML string
	// Attachments are added after the body.
	Attachments []Attachment
	// MessageID is the identifier without angle brackets; when set, the
	// MIME boundaries derive from it, so the same Email composes to the
	// same bytes every time.
	MessageID string
	// References lists the Message-IDs (without brackets) of the thread;
	// the last one is also written as In-Reply-To.
	References []string
	Date       time.Time
	// Headers are extra header fields, e.g. X-Tramite-Case.
	Headers map[string]string
}

// Attachment is a file attached to an Email.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// MessageID returns the stable Message-ID (without angle brackets) of the
// outbox item itemID: 24 hex digits of its SHA-256 at tramite.<domain>.
func MessageID(itemID, domain string) string {
	sum := sha256.Sum256([]byte(itemID))
	return hex.EncodeToString(sum[:])[:24] + "@tramite." + domain
}

// ThreadID returns the Message-ID (without angle brackets) of the root of
// a case's thread: every message of the case refers to it.
func ThreadID(caseID, domain string) string {
	return caseID + "@tramite." + domain
}

// Compose writes e as a raw RFC 5322 message: multipart/alternative plain
// text and HTML, inside multipart/mixed when there are attachments. Names
// and the subject are RFC 2047 encoded, bodies quoted-printable, attachments
// base64. It returns an EINVALID *procedure.Error when an address is
// missing or malformed.
func Compose(e Email) ([]byte, error) {
	var buf bytes.Buffer
	if err := composeTo(&buf, e); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// composeTo is Compose appending to buf, grown first to about the size of
// the message.
func composeTo(buf *bytes.Buffer, e Email) error {
	buf.Grow(4096 + len(e.Text) + 2*len(e.HTML) + attachmentsSize(e.Attachments))
	return WriteEmail(buf, e)
}

func attachmentsSize(as []Attachment) int {
	n := 0
	for _, a := range as {
		n += len(a.Data)*4/3 + len(a.Data)/38 + 256
	}
	return n
}

// WriteEmail is Compose writing to w.
func WriteEmail(w io.Writer, e Email) error {
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
		if err := addText(&h, keys[i], e.Headers[keys[i]]); err != nil {
			return err
		}
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
	// Fields with people's text are folded by header.go, in linear time.
	for _, err := range []error{addText(&h, "Subject", e.Subject), addAddresses(&h, "Cc", cc),
		addAddresses(&h, "To", to), addAddresses(&h, "From", from)} {
		if err != nil {
			return err
		}
	}
	if !e.Date.IsZero() {
		h.SetDate(e.Date)
	}

	// The structure and every header go through go-message's textproto
	// writer, as message.CreateWriter and CreatePart would write them; the
	// attachments are base64-encoded here in whole lines, which is several
	// times faster than its line-wrapping encoder and gives the same bytes.
	if !h.Has("Mime-Version") {
		h.Set("MIME-Version", "1.0")
	}
	top := multipartWriter(w, &h.Header)
	if err := textproto.WriteHeader(w, h.Header.Header); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	alt := top
	if len(e.Attachments) > 0 {
		ah := message.Header{}
		ah.SetContentType("multipart/alternative", boundary("alt"))
		altw := writerFunc(nil)
		alt = multipartWriter(&altw, &ah)
		pw, err := top.CreatePart(ah.Header)
		if err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		altw = pw.Write
	}
	for _, p := range []struct{ typ, body string }{{"text/plain", e.Text}, {"text/html", e.HTML}} {
		if p.body == "" {
			continue
		}
		var ph message.Header
		ph.SetContentType(p.typ, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := alt.CreatePart(ph.Header)
		if err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := io.WriteString(qp, crlf(p.body)); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		if err := qp.Close(); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
	}
	if err := alt.Close(); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	if len(e.Attachments) == 0 {
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
		pw, err := top.CreatePart(ah.Header.Header)
		if err != nil {
			return fmt.Errorf("compose: %w", err)
		}
		if err := writeBase64(pw, a.Data); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
	}
	if err := top.Close(); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	return nil
}

// multipartWriter returns the writer of the multipart entity whose header
// is h, with the boundary h names or, when it names none, a random one
// written into h, as go-message does.
func multipartWriter(w io.Writer, h *message.Header) *textproto.MultipartWriter {
	mw := textproto.NewMultipartWriter(w)
	mediaType, params, _ := h.ContentType()
	if params["boundary"] != "" {
		mw.SetBoundary(params["boundary"])
	} else {
		if params == nil {
			params = map[string]string{}
		}
		params["boundary"] = mw.Boundary()
		h.SetContentType(mediaType, params)
	}
	h.Del("Content-Transfer-Encoding")
	return mw
}

// writerFunc is an io.Writer set after its creation.
type writerFunc func([]byte) (int, error)

func (f *writerFunc) Write(b []byte) (int, error) { return (*f)(b) }

// writeBase64 writes data base64-encoded in lines of 76 characters ended
// by CRLF, the last one without it: what go-message's encoder writes.
func writeBase64(w io.Writer, data []byte) error {
	const (
		in   = 57 // bytes of one whole line
		out  = 76
		rows = 64
	)
	buf := make([]byte, 0, rows*(out+2))
	for len(data) > 0 {
		buf = buf[:0]
		for r := 0; r < rows && len(data) > 0; r++ {
			if r > 0 {
				buf = append(buf, '\r', '\n')
			}
			n := min(in, len(data))
			buf = base64.StdEncoding.AppendEncode(buf, data[:n])
			data = data[n:]
		}
		if len(data) > 0 {
			buf = append(buf, '\r', '\n')
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// crlf turns bare LF line ends into CRLF, as RFC 5322 requires.
func crlf(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func addressList(field string, as []procedure.Address) ([]*gomail.Address, error) {
	out := make([]*gomail.Address, 0, len(as))
	for _, a := range as {
		addr, err := mail.ParseAddress(a.Email)
		if err != nil || addr.Address != a.Email || strings.ContainsAny(a.Email, "\r\n") {
			return nil, procedure.Errorf(procedure.EINVALID, "la dirección %q del campo %s no es válida: corríjala en el directorio de personas", a.Email, field)
		}
		out = append(out, &gomail.Address{Name: strings.Map(noControl, a.Name), Address: a.Email})
	}
	return out, nil
}

func noControl(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return ' '
	}
	return r
}
