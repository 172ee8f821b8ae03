package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// freeAddr returns an address on 127.0.0.1 where nothing listens.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// faultCase is a fault of TestFaults.
type faultCase struct {
	name  string
	stage string
	fault fault
	down  bool
	// failed: the fault is permanent.
	failed string
}

// TestFaults: each fault ends with the message delivered exactly once
// after recovery, or failed with the server's reason; never lost, never
// doubled.
func TestFaults(t *testing.T) {
	tests := []faultCase{
		{name: "server down", down: true},
		{name: "421 on MAIL", stage: "mail", fault: fault{code: 421}},
		{name: "530 on MAIL (authentication required)", stage: "mail", fault: fault{code: 530}},
		{name: "451 after DATA", stage: "data", fault: fault{code: 451}},
		{name: "452 on RCPT", stage: "rcpt", fault: fault{code: 452}},
		{name: "connection cut during DATA", stage: "data", fault: fault{cut: true}},
		{name: "server stalls on MAIL", stage: "mail", fault: fault{stall: 10 * time.Second}},
		{name: "server stalls after the body", stage: "data", fault: fault{stall: 10 * time.Second}},
		{name: "550 after DATA", stage: "data", fault: fault{code: 550}, failed: "550"},
		{name: "554 on MAIL", stage: "mail", fault: fault{code: 554}, failed: "554"},
		{name: "550 on every RCPT", stage: "rcpt", fault: fault{code: 550}, failed: "rechazó a todos los destinatarios"},
	}
	// Each fault with MAIL, RCPT and DATA pipelined (the go-smtp server
	// offers PIPELINING), and one command at a time.
	for _, mode := range []struct {
		name string
		off  bool
	}{{"pipelined", false}, {"stepwise", true}} {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				testFault(t, tt, mode.off)
			})
		}
	}
}

// testFault runs one case of TestFaults.
func testFault(t *testing.T, tt faultCase, noPipelining bool) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	c := f.start(t, canary)
	var srv *server
	var cfg notify.Config
	addr := freeAddr(t)
	if tt.down {
		srv = startServer(t, "")
		cfg = config(t, srv)
		host, port, _ := net.SplitHostPort(addr)
		cfg.Host = host
		fmt.Sscanf(port, "%d", &cfg.Port)
	} else {
		srv = startServer(t, addr)
		cfg = config(t, srv)
		srv.script(tt.stage, tt.fault)
		if tt.stage == "rcpt" && tt.fault.code == 550 {
			srv.script("rcpt", tt.fault) // both jefes refused
		}
	}
	cfg.NoPipelining = noPipelining
	d := f.dispatcher(t, cfg)
	st, err := d.Drain(ctx)
	items := f.emails(t, "")
	if len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	it := items[0]
	if tt.failed != "" {
		if st.Failed != 1 || it.Status != procedure.OutboxFailed || !strings.Contains(it.LastError, tt.failed) {
			t.Fatalf("stats %v, item %s %q: want failed with %q", st, it.Status, it.LastError, tt.failed)
		}
		if len(srv.messages()) != 0 {
			t.Fatalf("a refused message was delivered")
		}
		// Visible and retryable by hand.
		if _, err := f.eng.RetryOutbox(ctx, proceduretest.Jefe, it.ID); err != nil {
			t.Fatal(err)
		}
	} else {
		if st.Retried != 1 || it.Status != procedure.OutboxPending || it.Attempts != 1 || it.LastError == "" || it.ClaimedBy != "" {
			t.Fatalf("stats %v (%v), item %+v: want pending for a retry", st, err, it)
		}
		if !it.NextAttempt.After(f.clock.Now()) {
			t.Errorf("next attempt %v is not after now", it.NextAttempt)
		}
		if tt.down && err == nil {
			t.Errorf("Drain with the server down returned no error")
		}
		// Not due yet: nothing happens.
		if st, _ := d.Drain(ctx); st.Total() != 0 {
			t.Errorf("retried before its backoff: %v", st)
		}
		f.clock.Add(2 * time.Minute)
	}
	if tt.down {
		srv = startServer(t, addr)
	}
	if got := len(srv.messages()); got != 0 {
		t.Fatalf("%d messages before recovery", got)
	}
	st, err = d.Drain(ctx)
	if err != nil || st.Sent != 1 {
		t.Fatalf("after recovery: %v, %v", st, err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want exactly 1", len(msgs))
	}
	p := parse(t, msgs[0].raw)
	if id, _ := p.header.MessageID(); id != notify.MessageID(c.ID+"/1/email/aviso", "agetic.gob.bo") {
		t.Errorf("Message-ID %s", id)
	}
	if it := f.emails(t, procedure.OutboxSent); len(it) != 1 {
		t.Errorf("item not marked sent")
	}
}

// failingStore fails UpdateOutbox when marking an item sent: the process
// dying between the server's 250 and the record of it.
type failingStore struct {
	procedure.Store
	mu    sync.Mutex
	fails int
}

func (s *failingStore) UpdateOutbox(ctx context.Context, it procedure.OutboxItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it.Status == procedure.OutboxSent && s.fails > 0 {
		s.fails--
		return errors.New("simulated crash after 250")
	}
	return s.Store.UpdateOutbox(ctx, it)
}

// TestCrashAfter250 covers the exactly-once window: the server accepted the
// message but its outcome never reached the store. When the lease ends
// another dispatcher takes the item; the batch journal tells it the
// message was accepted, so it is not sent again.
func TestCrashAfter250(t *testing.T) {
	for _, journal := range []bool{true, false} {
		t.Run(fmt.Sprintf("journal=%v", journal), func(t *testing.T) {
			ctx := context.Background()
			srv := startServer(t, "")
			f := newFixture(t)
			c := f.start(t, canary)
			cfg := config(t, srv)
			if !journal {
				cfg.MailDir = ""
			}
			fs := &failingStore{Store: f.store, fails: 1}
			d1, err := notify.NewDispatcher(fs, f.eng, cfg, notify.WithClock(f.clock), notify.WithOwner("first"))
			if err != nil {
				t.Fatal(err)
			}
			if st, err := d1.Drain(ctx); err == nil || st.Sent != 1 {
				t.Fatalf("first drain: %v, %v; want sent with the record failing", st, err)
			}
			d2 := f.dispatcher(t, cfg, notify.WithOwner("second"))
			if st, _ := d2.Drain(ctx); st.Total() != 0 {
				t.Fatalf("claimed while the first lease runs: %v", st)
			}
			f.clock.Add(notify.DefaultLease + time.Minute)
			st, err := d2.Drain(ctx)
			if err != nil {
				t.Fatal(err)
			}
			msgs := srv.messages()
			if journal {
				if st.Recovered != 1 || st.Sent != 0 || len(msgs) != 1 {
					t.Fatalf("stats %v, %d messages: want recovered without resending", st, len(msgs))
				}
			} else {
				// Without a journal the message goes again, byte for byte,
				// with the same Message-ID: the documented window.
				if st.Sent != 1 || len(msgs) != 2 || string(msgs[0].raw) != string(msgs[1].raw) {
					t.Fatalf("stats %v, %d messages: want one identical resend", st, len(msgs))
				}
				p := parse(t, msgs[1].raw)
				id, _ := p.header.MessageID()
				if id != notify.MessageID(c.ID+"/1/email/aviso", "agetic.gob.bo") {
					t.Errorf("resend has Message-ID %s", id)
				}
			}
			if it := f.emails(t, procedure.OutboxSent); len(it) != 1 {
				t.Errorf("item not marked sent")
			}
		})
	}
}

// itemOf returns the outbox item a received message was sent for.
func itemOf(t *testing.T, raw []byte) string {
	t.Helper()
	p := parse(t, raw)
	return p.header.Get("X-Tramite-Item")
}

// journals lists the batch journals under mailDir.
func journals(t *testing.T, mailDir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(notify.JournalDir(mailDir), "*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestCrashWithinBatch: the process dies right after the journal record of
// the fourth of ten messages of a batch, before any outcome reaches the
// store. When the dead dispatcher's lease ends another one takes the
// batch: the four journaled messages are marked sent without going again
// (their archive written from the journal when it is retired), the other six are sent, and
// every message reaches the server once. Damage to the journal costs only
// the damaged record, whose message is then sent again byte for byte, as
// the exactly-once window allows.
func TestCrashWithinBatch(t *testing.T) {
	const n, crash = 10, 4
	tests := []struct {
		name string
		// damage changes the dead batch's journal, given the messages the
		// server received; it returns the index of the message whose
		// record it ruins, or -1.
		damage func(t *testing.T, path string, msgs []received) int
		// tidy: what removing the journal later reports.
		tidy string
	}{
		{name: "journal whole", damage: func(*testing.T, string, []received) int { return -1 }},
		{name: "last record cut short", tidy: "skipped", damage: func(t *testing.T, path string, msgs []received) int {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, st.Size()-int64(len(msgs[crash-1].raw)/2)); err != nil {
				t.Fatal(err)
			}
			return crash - 1
		}},
		{name: "second record damaged", tidy: "skipped", damage: func(t *testing.T, path string, msgs []received) int {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(b, msgs[1].raw)
			if i < 0 {
				t.Fatal("the journal does not hold the second message as the server received it")
			}
			b[i+len(msgs[1].raw)/2] ^= 0x20
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv := startServer(t, "")
			f := newFixture(t)
			for range n {
				f.start(t, canary)
			}
			cfg := config(t, srv)
			d1 := f.dispatcher(t, cfg, notify.WithOwner("first"))
			notify.CrashAfter(d1, crash)
			if st, err := d1.Drain(ctx); err == nil || st.Sent != crash {
				t.Fatalf("first drain: %v, %v; want %d sent, then the crash", st, err, crash)
			}
			if got := len(f.emails(t, procedure.OutboxPending)); got != n {
				t.Fatalf("%d items pending after the crash, want all %d: the store heard nothing", got, n)
			}
			files := journals(t, cfg.MailDir)
			if len(files) != 1 {
				t.Fatalf("journals after the crash: %v, want one", files)
			}
			if st, err := os.Stat(files[0]); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("journal %s: %v, want mode 0600", files[0], err)
			}
			if st, err := os.Stat(notify.JournalDir(cfg.MailDir)); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("journal folder: %v, want mode 0700", err)
			}
			first := srv.messages()
			if len(first) != crash {
				t.Fatalf("%d messages before the crash, want %d", len(first), crash)
			}
			resent := tt.damage(t, files[0], first)

			d2 := f.dispatcher(t, cfg, notify.WithOwner("second"))
			if st, _ := d2.Drain(ctx); st.Total() != 0 {
				t.Fatalf("claimed while the dead dispatcher's lease runs: %v", st)
			}
			f.clock.Add(notify.DefaultLease + time.Minute)
			st, err := d2.Drain(ctx)
			if err != nil {
				t.Fatal(err)
			}
			recovered := crash
			if resent >= 0 {
				recovered--
			}
			if st.Recovered != recovered || st.Sent != n-recovered {
				t.Fatalf("second drain: %v; want %d recovered and %d sent", st, recovered, n-recovered)
			}
			msgs := srv.messages()
			count := map[string]int{}
			for _, m := range msgs {
				count[itemOf(t, m.raw)]++
			}
			if len(count) != n {
				t.Fatalf("%d distinct messages delivered, want %d", len(count), n)
			}
			for id, c := range count {
				again := resent >= 0 && id == itemOf(t, first[resent].raw)
				if c != 1 && !(again && c == 2) {
					t.Errorf("%s delivered %d times", id, c)
				}
			}
			if resent >= 0 {
				if len(msgs) != n+1 || !bytes.Equal(msgs[len(msgs)-n+recovered].raw, first[resent].raw) {
					t.Errorf("the message whose record was ruined was not sent again byte for byte")
				}
			}
			got := map[string]received{}
			for _, m := range msgs {
				got[itemOf(t, m.raw)] = m
			}
			sent := f.emails(t, procedure.OutboxSent)
			if len(sent) != n {
				t.Fatalf("%d items marked sent, want %d", len(sent), n)
			}
			// The dead batch's journal outlives the recovery; it goes once
			// nobody has written to it for two leases and its items are sent.
			if files := journals(t, cfg.MailDir); len(files) != 1 {
				t.Fatalf("journals after the recovery: %v, want the dead batch's", files)
			}
			old := time.Now().Add(-2*notify.DefaultLease - time.Minute)
			if err := os.Chtimes(files[0], old, old); err != nil {
				t.Fatal(err)
			}
			st, err = d2.Drain(ctx)
			if st.Total() != 0 || (tt.tidy == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.tidy)) {
				t.Fatalf("drain after two leases: %v, %v; want nothing to do and an error with %q", st, err, tt.tidy)
			}
			if files := journals(t, cfg.MailDir); len(files) != 0 {
				t.Fatalf("journals left: %v", files)
			}
			if len(srv.messages()) != len(msgs) {
				t.Fatal("a message was sent again while removing the journal")
			}
			// The archives hold every sent message once, as the server
			// last received it: the dead batch's journal is archived too.
			kept, damaged := archived(t, cfg.MailDir)
			if len(kept) != n || (damaged > 0) != (tt.tidy != "") {
				t.Errorf("%d messages archived, %d bytes damaged; want %d, and damage only where the journal was damaged", len(kept), damaged, n)
			}
			for _, it := range sent {
				if !bytes.Equal(kept[it.ID], got[it.ID].raw) {
					t.Errorf("%s: the archived message is missing or differs from what the server received", it.ID)
				}
			}
		})
	}
}

// TestJournalGone: once a Drain has recorded every outcome and archived
// every message, no journal and no temporary file is left in MailDir.
func TestJournalGone(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	for range 7 {
		f.start(t, canary)
	}
	cfg := config(t, srv)
	if st, err := f.dispatcher(t, cfg, notify.WithBatchSize(3)).Drain(context.Background()); err != nil || st.Sent != 7 {
		t.Fatalf("%v, %v", st, err)
	}
	if files := journals(t, cfg.MailDir); len(files) != 0 {
		t.Errorf("journals left: %v", files)
	}
	tmp, _ := filepath.Glob(filepath.Join(cfg.MailDir, "*", "*.tmp"))
	if len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	kept, _ := archived(t, cfg.MailDir)
	for _, it := range f.emails(t, procedure.OutboxSent) {
		if kept[it.ID] == nil {
			t.Errorf("%s: not archived", it.ID)
		}
	}
}

func TestRetryByHand(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, "")
	f := newFixture(t)
	c := f.start(t, canary)
	srv.script("data", fault{code: 552})
	d := f.dispatcher(t, config(t, srv))
	if st, _ := d.Drain(ctx); st.Failed != 1 {
		t.Fatalf("stats %v", st)
	}
	id := c.ID + "/1/email/aviso"
	tests := []struct {
		name string
		id   string
		code procedure.Code
	}{
		{"unknown item", c.ID + "/99/email/aviso", procedure.ENOTFOUND},
		{"failed item", id, ""},
		{"pending item", id, procedure.EINVALIDTRANSITION},
	}
	for _, tt := range tests {
		if _, err := f.eng.RetryOutbox(ctx, proceduretest.Jefe, tt.id); procedure.ErrorCode(err) != tt.code {
			t.Errorf("%s: Retry = %v, want code %q", tt.name, err, tt.code)
		}
	}
	it := f.emails(t, procedure.OutboxPending)
	if len(it) != 1 || it[0].Attempts != 0 || !strings.Contains(it[0].LastError, "552") {
		t.Fatalf("after Retry: %+v", it)
	}
	if st, err := d.Drain(ctx); err != nil || st.Sent != 1 || len(srv.messages()) != 1 {
		t.Fatalf("after Retry: %v, %v", st, err)
	}
}

func TestMaxAttempts(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, "")
	f := newFixture(t)
	f.start(t, canary)
	srv.script("data", fault{code: 451}, fault{code: 451}, fault{code: 451})
	d := f.dispatcher(t, config(t, srv), notify.WithMaxAttempts(3))
	for i := 0; i < 3; i++ {
		d.Drain(ctx)
		f.clock.Add(2 * time.Minute)
	}
	it := f.emails(t, procedure.OutboxFailed)
	if len(it) != 1 || !strings.Contains(it[0].LastError, "3 intentos") || !strings.Contains(it[0].LastError, "451") {
		t.Fatalf("want failed after 3 attempts: %+v", it)
	}
}

// TestConcurrentDispatchers: two dispatchers drain one store at once; each
// message is delivered exactly once.
func TestConcurrentDispatchers(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, "")
	f := newFixture(t)
	const n = 30
	for i := 0; i < n; i++ {
		f.start(t, canary)
	}
	cfg := config(t, srv)
	var wg sync.WaitGroup
	for _, owner := range []string{"a", "b", "c"} {
		d := f.dispatcher(t, cfg, notify.WithOwner(owner), notify.WithBatchSize(4))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Drain(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := len(byItem(t, srv.messages())); got != n || len(srv.messages()) != n {
		t.Fatalf("%d distinct of %d messages, want %d", got, len(srv.messages()), n)
	}
}

func TestRunUntilCancelled(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	f.start(t, canary)
	d := f.dispatcher(t, config(t, srv), notify.WithPollInterval(10*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	d.Wake()
	for i := 0; len(srv.messages()) == 0 && i < 500; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if len(srv.messages()) != 1 {
		t.Errorf("%d messages, want 1", len(srv.messages()))
	}
}

func TestTestConnection(t *testing.T) {
	ctx := context.Background()
	plain := startServer(t, "", noTLS)
	good := startServer(t, "")
	implicit := startServer(t, "", implicitTLS)
	tests := []struct {
		name   string
		srv    *server
		change func(*notify.Config)
		want   string // part of the Spanish message; empty means success
	}{
		{name: "STARTTLS and PLAIN", srv: good},
		{name: "STARTTLS and LOGIN", srv: good, change: func(c *notify.Config) { c.AuthMechanism = "LOGIN" }},
		{name: "implicit TLS", srv: implicit, change: func(c *notify.Config) { c.TLS = notify.ImplicitTLS }},
		{name: "wrong password", srv: good, change: func(c *notify.Config) { c.Password = "nope" }, want: "usuario o la contraseña"},
		{name: "no STARTTLS offered", srv: plain, want: "no ofrece STARTTLS"},
		{name: "insecure on localhost", srv: plain, change: func(c *notify.Config) { c.TLS = notify.Insecure }},
		{name: "untrusted certificate", srv: good, change: func(c *notify.Config) { c.TLSConfig = nil }, want: "certificado"},
		{name: "implicit TLS against STARTTLS port", srv: good, change: func(c *notify.Config) { c.TLS = notify.ImplicitTLS }, want: "TLS"},
		{name: "nobody listening", srv: good, change: func(c *notify.Config) {
			host, port, _ := net.SplitHostPort(freeAddr(t))
			c.Host = host
			fmt.Sscanf(port, "%d", &c.Port)
		}, want: "no se pudo conectar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, tt.srv)
			if tt.change != nil {
				tt.change(&cfg)
			}
			err := notify.TestConnection(ctx, cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("TestConnection = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(procedure.ErrorMessage(err), tt.want) {
				t.Fatalf("TestConnection = %v, want a message with %q", err, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	ok := notify.Config{Host: "correo.agetic.gob.bo", From: from}
	tests := []struct {
		name   string
		change func(*notify.Config)
		want   string
	}{
		{"valid", func(*notify.Config) {}, ""},
		{"no host", func(c *notify.Config) { c.Host = "" }, "falta el servidor SMTP"},
		{"no sender", func(c *notify.Config) { c.From = procedure.Address{} }, "remitente"},
		{"insecure remote", func(c *notify.Config) { c.TLS = notify.Insecure }, "solo se permite con un servidor local"},
		{"bad port", func(c *notify.Config) { c.Port = 70000 }, "puerto"},
		{"bad mechanism", func(c *notify.Config) { c.AuthMechanism = "CRAM-MD5" }, "PLAIN o LOGIN"},
		{"password without user", func(c *notify.Config) { c.Password = "x" }, "falta el usuario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want EINVALID with %q", err, tt.want)
			}
		})
	}
	if got := (notify.Config{Host: "h", TLS: notify.ImplicitTLS}).Addr(); got != "h:465" {
		t.Errorf("Addr = %s", got)
	}
	if got := (notify.Config{Host: "h"}).Addr(); got != "h:587" {
		t.Errorf("Addr = %s", got)
	}
	for _, s := range []string{"starttls", "tls", "insecure"} {
		m, err := notify.ParseTLSMode(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseTLSMode(%q) = %v, %v", s, m, err)
		}
	}
}
