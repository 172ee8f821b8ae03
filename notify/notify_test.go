package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

const canary = "CANARY-7f3a9-clave-de-produccion"

// runCase drives a PR01 case through its nine steps with one round of
// observations and stores its documents' PDFs, as the report package
// would.
func runCase(t *testing.T, f *fixture, withPDF bool) (procedure.Case, []byte) {
	t.Helper()
	c := proceduretest.RunPR01(t, f.eng, "Sistema de Gestión Documental", canary, 1)
	doc := pdf(20)
	if withPDF {
		f.render(t, c.ID, doc)
	}
	return c, doc
}

func byItem(t *testing.T, msgs []received) map[string]received {
	t.Helper()
	out := map[string]received{}
	for _, m := range msgs {
		p := parse(t, m.raw)
		id := p.header.Get("X-Tramite-Item")
		if _, dup := out[id]; dup {
			t.Errorf("item %s delivered twice", id)
		}
		out[id] = m
	}
	return out
}

func TestRoutingPerStep(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	c, _ := runCase(t, f, true)
	d := f.dispatcher(t, config(t, srv))
	st, err := d.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 8 || st.Total() != 8 {
		t.Fatalf("stats = %v, want 8 sent", st)
	}
	if n := srv.connections(); n != 1 {
		t.Errorf("connections = %d, want one reused for the batch", n)
	}
	got := byItem(t, srv.messages())
	jefes := []string{"carla@agetic.gob.bo", "diego@agetic.gob.bo"}
	ccUIT := []string{"carla@agetic.gob.bo", "diego@agetic.gob.bo", "elena@agetic.gob.bo"}
	tests := []struct {
		item    string
		to, cc  []string
		subject string
	}{
		{"1/email/aviso", jefes, nil, "Pendiente, paso 2"},
		{"2/email/aviso", []string{"elena@agetic.gob.bo"}, nil, "Pendiente, paso 3"},
		{"3/email/aviso", []string{"fabio@agetic.gob.bo"}, nil, "Pendiente, paso 4"},
		{"5/email/observaciones", []string{"ana@agetic.gob.bo"}, ccUIT, "Observaciones a su solicitud"},
		{"6/email/respuesta", []string{"fabio@agetic.gob.bo"}, ccUIT, "Información completada"},
		{"7/email/aviso", []string{"elena@agetic.gob.bo"}, nil, "Pendiente, paso 7"},
		{"8/email/aviso", jefes, nil, "Pendiente, paso 8"},
		{"9/email/nota-interna", []string{"ana@agetic.gob.bo"}, ccUIT, "Nota Interna UIT/NI/2026/0001"},
	}
	for _, tt := range tests {
		t.Run(tt.item, func(t *testing.T) {
			m, ok := got[c.ID+"/"+tt.item]
			if !ok {
				t.Fatalf("not delivered; got %v", keys(got))
			}
			p := parse(t, m.raw)
			if to := addrs(t, p.header, "To"); !slices.Equal(to, tt.to) {
				t.Errorf("To = %v, want %v", to, tt.to)
			}
			if cc := addrs(t, p.header, "Cc"); !slices.Equal(cc, tt.cc) {
				t.Errorf("Cc = %v, want %v", cc, tt.cc)
			}
			if want := append(slices.Clone(tt.to), tt.cc...); !slices.Equal(m.rcpts, want) {
				t.Errorf("RCPT TO = %v, want %v", m.rcpts, want)
			}
			if m.from != from.Email {
				t.Errorf("MAIL FROM = %q", m.from)
			}
			subj, err := p.header.Subject()
			if err != nil || !strings.HasPrefix(subj, "["+c.ID+"] ") || !strings.Contains(subj, tt.subject) {
				t.Errorf("Subject = %q (%v), want it to contain %q", subj, err, tt.subject)
			}
			if p.text == "" || p.html == "" {
				t.Errorf("want both text and HTML alternatives")
			}
		})
	}
	// The observations and the memo's text reach their emails.
	if p := parse(t, got[c.ID+"/5/email/observaciones"].raw); !strings.Contains(p.text, "Ronda 1: falta la URL del repositorio") {
		t.Errorf("observations missing from the text part:\n%s", p.text)
	}
	if p := parse(t, got[c.ID+"/9/email/nota-interna"].raw); !strings.Contains(p.html, "Se comunica la conclusión") {
		t.Errorf("memo missing from the HTML part:\n%s", p.html)
	}
	if n := len(f.emails(t, procedure.OutboxSent)); n != 8 {
		t.Errorf("%d items marked sent, want 8", n)
	}
	// A second pass has nothing to do.
	if st, err := d.Drain(context.Background()); err != nil || st.Total() != 0 {
		t.Errorf("second drain: %v, %v", st, err)
	}
}

func keys(m map[string]received) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestThreadingHeaders(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	c, _ := runCase(t, f, true)
	if _, err := f.dispatcher(t, config(t, srv)).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	root := notify.ThreadID(c.ID, "agetic.gob.bo")
	seen := map[string]bool{}
	for _, m := range srv.messages() {
		p := parse(t, m.raw)
		item := p.header.Get("X-Tramite-Item")
		id, err := p.header.MessageID()
		if err != nil || id != notify.MessageID(item, "agetic.gob.bo") {
			t.Errorf("%s: Message-ID %q (%v), want the stable one", item, id, err)
		}
		if seen[id] {
			t.Errorf("Message-ID %s used twice", id)
		}
		seen[id] = true
		for _, key := range []string{"In-Reply-To", "References"} {
			if l, err := p.header.MsgIDList(key); err != nil || !slices.Equal(l, []string{root}) {
				t.Errorf("%s: %s = %v (%v), want [%s]", item, key, l, err, root)
			}
		}
	}
	if len(seen) != 8 {
		t.Errorf("%d messages, want 8", len(seen))
	}
}

func TestAttachmentIntact(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	c, doc := runCase(t, f, true)
	// A corrected version of the memo: the latest is attached.
	doc2 := append(bytes.Clone(doc), []byte("% v2\n")...)
	if _, err := f.store.PutDocument(context.Background(), procedure.Document{CaseID: c.ID, Topic: manual.TopicNotaInterna,
		Number: "UIT/NI/2026/0001", Content: doc2}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.dispatcher(t, config(t, srv)).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := byItem(t, srv.messages())[c.ID+"/9/email/nota-interna"]
	p := parse(t, m.raw)
	got, ok := p.attachments["Nota Interna UIT-NI-2026-0001.pdf"]
	if !ok {
		t.Fatalf("attachment missing; have %v", p.attachments)
	}
	// The Nota Interna says the conclusion report goes with it: it does.
	if _, ok := p.attachments["Informe técnico de conclusión UIT-INF-2026-0001.pdf"]; !ok {
		t.Errorf("the conclusion report is not attached; have %v", p.attachments)
	}
	if !bytes.Equal(got, doc2) {
		t.Errorf("attachment differs from the latest stored version (%d bytes, want %d)", len(got), len(doc2))
	}
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed") {
		t.Errorf("Content-Type = %q", ct)
	}
	if len(p.attachments) != 2 {
		t.Errorf("attachments %v, want the memo and the report", p.attachments)
	}
}

// TestNoSecretInEmail is the canary test: the credentials and tokens given
// in step 1 appear in no message the server receives, raw or decoded.
func TestNoSecretInEmail(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	runCase(t, f, true)
	cfg := config(t, srv)
	if _, err := f.dispatcher(t, cfg).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 8 {
		t.Fatalf("%d messages, want 8", len(msgs))
	}
	needles := []string{canary, "tok-" + canary, base64.StdEncoding.EncodeToString([]byte(canary))[:16]}
	for _, m := range msgs {
		p := parse(t, m.raw)
		hay := string(m.raw) + p.text + p.html
		for _, h := range []string{"Subject", "To", "Cc"} {
			v, _ := p.header.Text(h)
			hay += v
		}
		for _, n := range needles {
			if strings.Contains(hay, n) {
				t.Errorf("secret %q found in %s", n, p.header.Get("X-Tramite-Item"))
			}
		}
	}
	// Nor in the archive of what was sent (nor any other file of MailDir).
	files := 0
	filepath.WalkDir(cfg.MailDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(canary)) {
			t.Errorf("secret found in %s", path)
		}
		return nil
	})
	if files == 0 {
		t.Error("MailDir holds no file: the archive was not kept")
	}
}

// TestArchiveKept: every message sent is archived once, byte for byte as
// the server received it (0600, in 0700 folders), and exports to an mbox
// that Python's mailbox module reads like any mail client.
func TestArchiveKept(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	runCase(t, f, true)
	cfg := config(t, srv)
	if _, err := f.dispatcher(t, cfg, notify.WithBatchSize(2)).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := byItem(t, srv.messages())
	kept, damaged := archived(t, cfg.MailDir)
	sent := f.emails(t, procedure.OutboxSent)
	if len(kept) != len(sent) || damaged != 0 {
		t.Errorf("%d messages archived (%d bytes damaged), %d sent", len(kept), damaged, len(sent))
	}
	for _, it := range sent {
		if !bytes.Equal(kept[it.ID], got[it.ID].raw) {
			t.Errorf("%s: the archived message differs from what the server received", it.ID)
		}
	}
	paths, err := notify.Archives(cfg.MailDir)
	if err != nil || len(paths) != 1 {
		t.Fatalf("archives: %v, %v; want the one Drain's journal", paths, err)
	}
	for _, p := range []string{paths[0], filepath.Dir(paths[0]), filepath.Dir(filepath.Dir(paths[0]))} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o700)
		if !st.IsDir() {
			want = 0o600
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	msgs, _, err := notify.ReadArchive(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	mbox := filepath.Join(t.TempDir(), "enviados.mbox")
	var out bytes.Buffer
	if err := notify.WriteMbox(&out, msgs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mbox, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	res, err := exec.Command(py, "-c", "import mailbox,sys; print(sum(1 for m in mailbox.mbox(sys.argv[1]) if m['X-Tramite-Item'] and m['Message-ID']))", mbox).CombinedOutput()
	if err != nil || strings.TrimSpace(string(res)) != strconv.Itoa(len(sent)) {
		t.Errorf("python mailbox read %q (%v), want %d messages", res, err, len(sent))
	}
}

func TestKindsSwitchedOff(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	runCase(t, f, true)
	cfg := config(t, srv)
	cfg.Kinds = map[string]bool{manual.TopicAviso: false}
	st, err := f.dispatcher(t, cfg).Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 3 || st.Skipped != 5 {
		t.Errorf("stats = %v, want 3 sent and 5 skipped", st)
	}
	for _, it := range f.emails(t, procedure.OutboxSkipped) {
		if it.Topic != manual.TopicAviso || !strings.Contains(it.LastError, "desactivado") {
			t.Errorf("skipped %s: %q", it.ID, it.LastError)
		}
	}
}

func TestAttachmentNotReady(t *testing.T) {
	srv := startServer(t, "")
	f := newFixture(t)
	c, doc := runCase(t, f, false)
	d := f.dispatcher(t, config(t, srv))
	st, err := d.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 7 || st.NotReady != 1 || st.Failed != 0 {
		t.Fatalf("stats = %v, want 7 sent and 1 waiting for its PDF", st)
	}
	pending := f.emails(t, procedure.OutboxPending)
	if len(pending) != 1 || pending[0].Topic != manual.TopicNotaInterna || !strings.Contains(pending[0].LastError, "esperando") {
		t.Fatalf("pending = %+v", pending)
	}
	f.render(t, c.ID, doc)
	f.clock.Add(notify.DefaultNotReadyDelay)
	if st, err := d.Drain(context.Background()); err != nil || st.Sent != 1 {
		t.Fatalf("after the PDF: %v, %v", st, err)
	}
	if len(byItem(t, srv.messages())) != 8 {
		t.Errorf("want 8 distinct messages")
	}
}

func TestSubjectEncoding(t *testing.T) {
	raw, err := notify.Compose(notify.Email{From: from, To: []procedure.Address{{Name: "Ñusta Álvarez", Email: "nusta@agetic.gob.bo"}},
		Subject: "Información pendiente: puesta en producción — ¿revisión?", Text: "cuerpo", MessageID: "x@tramite.agetic.gob.bo"})
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, b := range head {
		if b >= 0x80 {
			t.Fatalf("non-ASCII byte in the header:\n%s", head)
		}
	}
	p := parse(t, raw)
	if s, _ := p.header.Subject(); s != "Información pendiente: puesta en producción — ¿revisión?" {
		t.Errorf("Subject = %q", s)
	}
	if l, _ := p.header.AddressList("To"); len(l) != 1 || l[0].Name != "Ñusta Álvarez" {
		t.Errorf("To = %v", l)
	}
	again, _ := notify.Compose(notify.Email{From: from, To: []procedure.Address{{Name: "Ñusta Álvarez", Email: "nusta@agetic.gob.bo"}},
		Subject: "Información pendiente: puesta en producción — ¿revisión?", Text: "cuerpo", MessageID: "x@tramite.agetic.gob.bo"})
	if !bytes.Equal(raw, again) {
		t.Errorf("the same Email composed to different bytes")
	}
}

func TestComposeRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		e    notify.Email
		want string
	}{
		{"no recipients", notify.Email{From: from, Text: "x"}, "no tiene destinatarios"},
		{"bad address", notify.Email{From: from, To: []procedure.Address{{Email: "ana(at)agetic"}}, Text: "x"}, "no es válida"},
		{"header injection", notify.Email{From: from, To: []procedure.Address{{Email: "ana@agetic.gob.bo\r\nBcc: x@y.z"}}, Text: "x"}, "no es válida"},
		{"no body", notify.Email{From: from, To: []procedure.Address{{Email: "ana@agetic.gob.bo"}}}, "no tiene cuerpo"},
		{"bad sender", notify.Email{From: procedure.Address{Email: "nadie"}, To: []procedure.Address{{Email: "ana@agetic.gob.bo"}}, Text: "x"}, "From"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notify.Compose(tt.e)
			if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want EINVALID mentioning %q", err, tt.want)
			}
		})
	}
}
