package notify_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
)

// promptServer is a real go-smtp server on 127.0.0.1 that offers only AUTH
// LOGIN and words its challenges as it is told: aiosmtpd's "User Name\x00"
// and "Password\x00", empty challenges, Spanish ones, or a third challenge
// no client can answer.
type promptServer struct {
	prompts []string
}

func (p *promptServer) start(t *testing.T) notify.Config {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &promptSession{p: p}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = nopLogger{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	a := ln.Addr().(*net.TCPAddr)
	return notify.Config{Host: a.IP.String(), Port: a.Port, Username: testUser, Password: testPass, From: from,
		TLS: notify.Insecure, DialTimeout: 5 * time.Second, CommandTimeout: 2 * time.Second}
}

type promptSession struct {
	p      *promptServer
	authed bool
}

func (s *promptSession) AuthMechanisms() []string { return []string{sasl.Login} }

func (s *promptSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Login {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return &promptLogin{s: s}, nil
}

func (s *promptSession) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (s *promptSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *promptSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (s *promptSession) Reset()        {}
func (s *promptSession) Logout() error { return nil }

// promptLogin asks each of the server's prompts in turn, then checks the
// answers: the first is the username, the second the password.
type promptLogin struct {
	s       *promptSession
	answers []string
}

func (l *promptLogin) Next(resp []byte) ([]byte, bool, error) {
	if resp != nil {
		l.answers = append(l.answers, string(resp))
	}
	if n := len(l.answers); n < len(l.s.p.prompts) {
		return []byte(l.s.p.prompts[n]), false, nil
	}
	if len(l.answers) < 2 || l.answers[0] != testUser || l.answers[1] != testPass {
		return nil, true, smtp.ErrAuthFailed
	}
	l.s.authed = true
	return nil, true, nil
}

// TestLoginPrompts: AUTH LOGIN answers the first challenge with the username
// and the second with the password whatever they say; a wrong password says
// that authentication failed; a server that asks for a third value is
// refused with a reason, not taken for a lost connection.
func TestLoginPrompts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		prompts  []string
		password string
		want     string // part of the Spanish message; empty means success
	}{
		{name: "literal prompts", prompts: []string{"Username:", "Password:"}},
		{name: "aiosmtpd prompts", prompts: []string{"User Name\x00", "Password\x00"}},
		{name: "empty challenges", prompts: []string{"", ""}},
		{name: "Spanish prompts", prompts: []string{"Usuario:", "Contraseña:"}},
		{name: "wrong password", prompts: []string{"User Name\x00", "Password\x00"}, password: "nope",
			want: "rechazó el usuario o la contraseña"},
		{name: "a third challenge", prompts: []string{"User Name\x00", "Password\x00", "One-time code\x00"},
			want: "algo más que el usuario y la contraseña"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := (&promptServer{prompts: tt.prompts}).start(t)
			if tt.password != "" {
				cfg.Password = tt.password
			}
			for _, mech := range []string{"", "LOGIN"} { // chosen from the server's offer, and forced
				cfg.AuthMechanism = mech
				err := notify.TestConnection(ctx, cfg)
				if tt.want == "" {
					if err != nil {
						t.Fatalf("mechanism %q: TestConnection = %v", mech, err)
					}
					continue
				}
				if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(procedure.ErrorMessage(err), tt.want) {
					t.Fatalf("mechanism %q: TestConnection = %v, want EINVALID saying %q", mech, err, tt.want)
				}
				if !strings.Contains(procedure.ErrorMessage(err), "la autenticación falló") {
					t.Fatalf("mechanism %q: %q does not say that authentication failed", mech, procedure.ErrorMessage(err))
				}
				var se *smtp.SMTPError
				if tt.password != "" && !errors.As(err, &se) {
					t.Fatalf("mechanism %q: %v keeps no SMTP reply", mech, err)
				}
			}
		})
	}
}

// TestLoginPromptsDeliver: a dispatcher authenticating with AUTH LOGIN
// against aiosmtpd-style prompts sends its mail, and with a wrong password
// leaves it pending with a reason that names the authentication.
func TestLoginPromptsDeliver(t *testing.T) {
	ctx := context.Background()
	cfg := (&promptServer{prompts: []string{"User Name\x00", "Password\x00"}}).start(t)
	cfg.MailDir = t.TempDir()

	f := newFixture(t)
	f.start(t, "s3cr3t")
	bad := cfg
	bad.Password = "nope"
	if st, err := f.dispatcher(t, bad).Drain(ctx); err == nil || st.Sent != 0 {
		t.Fatalf("wrong password: stats %v, error %v", st, err)
	}
	pending := f.emails(t, procedure.OutboxPending)
	if len(pending) == 0 || !strings.Contains(pending[0].LastError, "la autenticación falló") {
		t.Fatalf("after a refused AUTH: pending %+v, want a reason naming the authentication", pending)
	}
	f.clock.Add(time.Hour)
	if st, err := f.dispatcher(t, cfg).Drain(ctx); err != nil || st.Sent != len(pending) {
		t.Fatalf("right password: stats %v, error %v, want %d sent", st, err, len(pending))
	}
}

// TestRefusedLoginEndsFailed: a password the server keeps refusing is a
// configuration error, not an outage: after the dispatcher's attempts the
// item ends failed with the reason (RetryOutbox puts it back once mended),
// instead of waiting forever.
func TestRefusedLoginEndsFailed(t *testing.T) {
	ctx := context.Background()
	cfg := (&promptServer{prompts: []string{"User Name\x00", "Password\x00"}}).start(t)
	cfg.MailDir = t.TempDir()
	cfg.Password = "nope"
	f := newFixture(t)
	f.start(t, "s3cr3t")
	d := f.dispatcher(t, cfg, notify.WithMaxAttempts(3))
	for range 3 {
		d.Drain(ctx)
		f.clock.Add(time.Hour)
	}
	if p := f.emails(t, procedure.OutboxPending); len(p) != 0 {
		t.Fatalf("after 3 refused logins %d items still pending: %+v", len(p), p)
	}
	failed := f.emails(t, procedure.OutboxFailed)
	if len(failed) == 0 || !strings.Contains(failed[0].LastError, "la autenticación falló") || failed[0].Attempts != 3 {
		t.Fatalf("failed items %+v, want them failed after 3 attempts naming the authentication", failed)
	}
}

// TestServerDownStaysPending: a server that does not answer is an outage:
// the item keeps waiting, however many passes find it down.
func TestServerDownStaysPending(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close() // nothing listens there now
	f := newFixture(t)
	f.start(t, "s3cr3t")
	cfg := notify.Config{Host: "127.0.0.1", Port: addr.Port, TLS: notify.Insecure, DialTimeout: time.Second,
		From: procedure.Address{Name: "Trámites UIT", Email: "tramites@agetic.gob.bo"}}
	d := f.dispatcher(t, cfg, notify.WithMaxAttempts(2))
	for range 4 {
		d.Drain(ctx)
		f.clock.Add(time.Hour)
	}
	if p := f.emails(t, procedure.OutboxPending); len(p) == 0 {
		t.Fatalf("a server that is down failed the items: %+v", f.emails(t, procedure.OutboxFailed))
	}
}
