package notify

import (
	"bufio"
	"bytes"
	"errors"
	"net/textproto"
	"testing"

	"github.com/emersion/go-smtp"
)

// TestWriteDataDotStuffing: the message goes out with its lines that
// begin with a dot doubled, CRLF line ends and the final dot, and reads
// back through net/textproto's dot reader as it was (bare LF ends made
// CRLF), as go-smtp's writer would send it.
func TestWriteDataDotStuffing(t *testing.T) {
	tests := []struct{ name, msg, wire, back string }{
		{"plain", "a\r\nb\r\n", "a\r\nb\r\n.\r\n", "a\r\nb\r\n"},
		{"leading dot", ".oculto\r\nb\r\n", "..oculto\r\nb\r\n.\r\n", ".oculto\r\nb\r\n"},
		{"lone dot line", "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n", "a\r\n.\r\nb\r\n"},
		{"bare LF", "a\nb\n", "a\r\nb\r\n.\r\n", "a\r\nb\r\n"},
		{"no final line end", "a\r\nb", "a\r\nb\r\n.\r\n", "a\r\nb\r\n"},
		{"empty", "", ".\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			tx := &transactions{w: bufio.NewWriter(&out)}
			if err := tx.writeData([]byte(tt.msg)); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.wire {
				t.Fatalf("wire %q, want %q", out.String(), tt.wire)
			}
			back, err := textproto.NewReader(bufio.NewReader(&out)).ReadDotBytes()
			if err != nil {
				t.Fatal(err)
			}
			// ReadDotBytes gives LF line ends.
			if want := bytes.ReplaceAll([]byte(tt.back), []byte("\r\n"), []byte("\n")); !bytes.Equal(back, want) {
				t.Fatalf("read back %q, want %q", back, want)
			}
		})
	}
}

// TestSMTPError: replies refused by the reader become go-smtp's errors
// with their codes, enhanced code apart, so classify reads them.
func TestSMTPError(t *testing.T) {
	tests := []struct {
		err      error
		code     int
		enhanced smtp.EnhancedCode
		msg      string
	}{
		{&textproto.Error{Code: 452, Msg: "4.2.2 Mailbox full"}, 452, smtp.EnhancedCode{4, 2, 2}, "Mailbox full"},
		{&textproto.Error{Code: 554, Msg: "Transaction failed"}, 554, smtp.NoEnhancedCode, "Transaction failed"},
		{&textproto.Error{Code: 421, Msg: "4.4.x closing"}, 421, smtp.NoEnhancedCode, "4.4.x closing"},
	}
	for _, tt := range tests {
		var se *smtp.SMTPError
		if !errors.As(smtpError(tt.err), &se) || se.Code != tt.code || se.EnhancedCode != tt.enhanced || se.Message != tt.msg {
			t.Errorf("%v: got %+v", tt.err, se)
		}
	}
	plain := errors.New("connection reset")
	if smtpError(plain) != plain {
		t.Error("a network error was changed")
	}
	if o := classify("DATA", smtpError(&textproto.Error{Code: 451, Msg: "later"})); !o.temporary || o.broken {
		t.Errorf("451: %+v, want temporary on a usable connection", o)
	}
}
