package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"
)

// The transactions of a connection are written by the Dispatcher itself
// once go-smtp has set the connection up (greeting, EHLO, TLS, AUTH): with
// PIPELINING (RFC 2920), MAIL, every RCPT and DATA go out in one write
// and their replies are read after it, and the message, dot-stuffed
// beforehand, goes out in one write too, instead of a round trip per
// command and a write per byte. A server that does not offer PIPELINING
// (or Config.NoPipelining) gets the same commands one reply at a time.

// startTLS reads the greeting, says EHLO and STARTTLS in the clear and
// returns the TLS connection over conn, and the greeting, which go-smtp is
// given again (replayConn) before it says EHLO over TLS.
func startTLS(ctx context.Context, conn net.Conn, cfg Config, helo string) (*tls.Conn, string, error) {
	tp := textproto.NewConn(conn)
	_, greeting, err := tp.ReadResponse(220)
	if err == nil {
		var ehlo string
		if err = tp.PrintfLine("EHLO %s", helo); err == nil {
			_, ehlo, err = tp.ReadResponse(250)
		}
		if err == nil && !hasExtension(ehlo, "STARTTLS") {
			return nil, "", connError(cfg, fmt.Sprintf("el servidor %s no ofrece STARTTLS: use TLS implícito (puerto 465) o pida al administrador del correo habilitar STARTTLS", cfg.Addr()), errors.New("smtp: server doesn't support STARTTLS"))
		}
	}
	if err == nil {
		if err = tp.PrintfLine("STARTTLS"); err == nil {
			_, _, err = tp.ReadResponse(220)
		}
	}
	if err != nil {
		return nil, "", tlsError(cfg, smtpError(err))
	}
	if tp.R.Buffered() > 0 {
		return nil, "", tlsError(cfg, errors.New("smtp: the server sent data after its STARTTLS reply"))
	}
	tc := tls.Client(conn, tlsConfig(cfg))
	hctx, cancel := context.WithTimeout(ctx, cfg.dialTimeout())
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, "", tlsError(cfg, err)
	}
	return tc, greeting, nil
}

// hasExtension reports whether the text of an EHLO reply offers ext.
func hasExtension(ehlo, ext string) bool {
	for _, line := range strings.Split(ehlo, "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 && strings.EqualFold(f[0], ext) {
			return true
		}
	}
	return false
}

// replayConn gives its first reads from head, then from the connection.
type replayConn struct {
	*tls.Conn
	head []byte
}

func (c *replayConn) Read(b []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(b, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// smtpError turns a reply the textproto reader refused into go-smtp's
// error, so that classify reads its code; other errors pass unchanged.
func smtpError(err error) error {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return err
	}
	se := &smtp.SMTPError{Code: te.Code, EnhancedCode: smtp.NoEnhancedCode, Message: te.Msg}
	if parts := strings.SplitN(te.Msg, " ", 2); len(parts) == 2 {
		if ec, ok := enhancedCode(parts[0]); ok {
			se.EnhancedCode, se.Message = ec, parts[1]
		}
	}
	return se
}

func enhancedCode(s string) (smtp.EnhancedCode, bool) {
	var ec smtp.EnhancedCode
	f := strings.Split(s, ".")
	if len(f) != 3 {
		return ec, false
	}
	for i, p := range f {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return ec, false
		}
		ec[i] = n
	}
	return ec, true
}

// transactions writes the transactions of one connection.
type transactions struct {
	text *textproto.Conn
	w    *bufio.Writer
	// pipelining: write MAIL, RCPT and DATA at once.
	pipelining bool
	// buf holds the commands of a transaction.
	buf []byte
}

func newTransactions(conn net.Conn, pipelining bool) *transactions {
	w := bufio.NewWriterSize(conn, 64<<10)
	return &transactions{text: textproto.NewConn(struct {
		io.Reader
		io.Writer
		io.Closer
	}{bufio.NewReaderSize(conn, 4096), w, conn}), w: w, pipelining: pipelining}
}

// command writes one command line and reads its reply, which must have
// code want.
func (t *transactions) command(line string, want int) error {
	t.buf = append(append(t.buf[:0], line...), '\r', '\n')
	if _, err := t.w.Write(t.buf); err != nil {
		return err
	}
	if err := t.w.Flush(); err != nil {
		return err
	}
	_, err := t.reply(want)
	return err
}

// reply reads the reply to one command and returns it as go-smtp's error
// when its code is not want.
func (t *transactions) reply(want int) (string, error) {
	_, msg, err := t.text.ReadResponse(want)
	return msg, smtpError(err)
}

// send sends one message: MAIL, RCPT for each recipient and DATA, then the
// message. Every reply is read, so that the connection stays in step with
// the server.
func (t *transactions) send(from string, rcpts []string, msg []byte) outcome {
	for _, a := range append([]string{from}, rcpts...) {
		if strings.ContainsAny(a, "\r\n<>") {
			return outcome{err: fmt.Errorf("la dirección %q no es válida", a)}
		}
	}
	if t.pipelining {
		return t.sendPipelined(from, rcpts, msg)
	}
	if err := t.command("MAIL FROM:<"+from+">", 250); err != nil {
		return t.reset(classify("MAIL FROM", err))
	}
	var accepted int
	var rejected []string
	for _, r := range rcpts {
		if err := t.command("RCPT TO:<"+r+">", 250); err != nil {
			o := classify("RCPT TO <"+r+">", err)
			if o.temporary || o.broken {
				return t.reset(o)
			}
			rejected = append(rejected, fmt.Sprintf("<%s>: %v", r, err))
			continue
		}
		accepted++
	}
	if accepted == 0 {
		return t.reset(allRejected(rejected))
	}
	if err := t.command("DATA", 354); err != nil {
		return t.reset(classify("DATA", err))
	}
	return t.data(msg, rejected)
}

// sendPipelined is send in one write of its commands and one of its
// message.
func (t *transactions) sendPipelined(from string, rcpts []string, msg []byte) outcome {
	t.buf = append(append(t.buf[:0], "MAIL FROM:<"...), from...)
	t.buf = append(t.buf, ">\r\n"...)
	for _, r := range rcpts {
		t.buf = append(append(append(t.buf, "RCPT TO:<"...), r...), ">\r\n"...)
	}
	t.buf = append(t.buf, "DATA\r\n"...)
	if _, err := t.w.Write(t.buf); err != nil {
		return classify("MAIL FROM", err)
	}
	if err := t.w.Flush(); err != nil {
		return classify("MAIL FROM", err)
	}
	// Read every reply before deciding; a broken connection decides at once.
	var refused *outcome
	if _, err := t.reply(250); err != nil {
		o := classify("MAIL FROM", err)
		if o.broken {
			return o
		}
		refused = &o
	}
	var accepted int
	var rejected []string
	for _, r := range rcpts {
		_, err := t.reply(250)
		if err == nil {
			accepted++
			continue
		}
		o := classify("RCPT TO <"+r+">", err)
		switch {
		case o.broken:
			return o
		case refused == nil && o.temporary:
			refused = &o
		case !o.temporary:
			rejected = append(rejected, fmt.Sprintf("<%s>: %v", r, err))
		}
	}
	_, dataErr := t.reply(354)
	if dataErr != nil {
		if o := classify("DATA", dataErr); o.broken {
			return o
		}
	}
	var o outcome
	switch {
	case refused != nil:
		o = *refused
	case accepted == 0:
		o = allRejected(rejected)
	case dataErr != nil:
		o = classify("DATA", dataErr)
	default:
		return t.data(msg, rejected)
	}
	if dataErr == nil {
		// The server waits for a message that must not go: only closing
		// the connection keeps it from taking an empty one.
		o.broken = true
		return o
	}
	return t.reset(o)
}

func allRejected(rejected []string) outcome {
	return outcome{err: fmt.Errorf("el servidor rechazó a todos los destinatarios: %s", strings.Join(rejected, "; "))}
}

// data writes the message after DATA's 354 and reads the server's verdict.
func (t *transactions) data(msg []byte, rejected []string) outcome {
	if err := t.writeData(msg); err != nil {
		return outcome{err: fmt.Errorf("DATA: %w", err), temporary: true, broken: true}
	}
	reply, err := t.reply(250)
	if err != nil {
		return classify("DATA", err)
	}
	return outcome{reply: reply, rejected: rejected}
}

// reset says RSET after a refused transaction, unless the connection is
// broken, and returns o (broken if RSET fails).
func (t *transactions) reset(o outcome) outcome {
	if !o.broken && t.command("RSET", 250) != nil {
		o.broken = true
	}
	return o
}

// writeData writes msg dot-stuffed, with CRLF line ends, and the final
// dot.
func (t *transactions) writeData(msg []byte) error {
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && line[0] == '.' {
			t.w.WriteByte('.')
		}
		t.w.Write(line)
		if _, err := t.w.WriteString("\r\n"); err != nil {
			return err
		}
	}
	if _, err := t.w.WriteString(".\r\n"); err != nil {
		return err
	}
	return t.w.Flush()
}

// quit says QUIT; the caller then closes the connection.
func (t *transactions) quit() error {
	return t.command("QUIT", 221)
}
