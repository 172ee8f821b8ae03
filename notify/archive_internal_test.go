package notify

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteMbox: the mbox export quotes "From " lines and is read by
// Python's mailbox module, as by any mail client, with one message per
// item and each body as it was.
func TestWriteMbox(t *testing.T) {
	msgs := []SentMessage{
		{"PR01-2026-0001/1/email/aviso", []byte("Date: Wed, 02 Dec 2026 01:30:00 -0400\r\nSubject: uno\r\n\r\ncuerpo\r\n")},
		{"PR01-2026-0001/2/email/b", []byte("Subject: dos\r\n\r\nFrom here on\r\n>From quoted\r\n")},
		{"PR01-2026-0002/1/email/c", []byte("Subject: tres\r\n\r\nx\r\n\r\n")},
	}
	var out bytes.Buffer
	if err := WriteMbox(&out, msgs); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if n := strings.Count("\n"+text, "\nFrom "); n != len(msgs) {
		t.Errorf("%d lines start with \"From \", want %d separators:\n%s", n, len(msgs), text)
	}
	for _, want := range []string{"From tramite Wed Dec  2 05:30:00 2026\nX-Tramite-Item: PR01-2026-0001/1/email/aviso\n", "\n>From here on\n", "\n>>From quoted\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	path := filepath.Join(t.TempDir(), "a.mbox")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command(py, "-c", `import mailbox,sys
for m in mailbox.mbox(sys.argv[1]):
    print(m['X-Tramite-Item'], repr(m.get_payload()))`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	// Python's mbox splits at the separators only and leaves the quoting
	// (mboxrd readers such as mutt's take one '>' off).
	want := "PR01-2026-0001/1/email/aviso 'cuerpo\\n'\nPR01-2026-0001/2/email/b '>From here on\\n>>From quoted\\n'\nPR01-2026-0002/1/email/c 'x\\n\\n'\n"
	if string(got) != want {
		t.Errorf("python read:\n%s\nwant:\n%s", got, want)
	}
}

// TestReadArchiveRefusesOtherFiles: a file that is not an archive is
// refused; a damaged one gives the messages around the damage.
func TestReadArchiveRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "x.journal")
	if err := os.WriteFile(other, []byte("From a@b Mon Jan  1 00:00:00 2026\nSubject: x\n\nhola\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadArchive(other); err == nil || !strings.Contains(err.Error(), "no es un archivo de correo") {
		t.Fatalf("err %v", err)
	}
	if _, _, err := ReadArchive(filepath.Join(dir, "none.journal")); err == nil {
		t.Fatal("a missing file read without error")
	}
	recs := testRecords()
	data, starts := encode(recs)
	data[starts[1]+recordHeader+3] ^= 0xff // inside the second record
	damaged := filepath.Join(dir, "d.journal")
	if err := os.WriteFile(damaged, data, 0o600); err != nil {
		t.Fatal(err)
	}
	msgs, bad, err := ReadArchive(damaged)
	if err != nil || bad == 0 || len(msgs) != len(recs)-1 {
		t.Fatalf("%d messages, %d damaged bytes, %v: want all but the second", len(msgs), bad, err)
	}
	for i, m := range msgs {
		r := recs[i]
		if i >= 1 {
			r = recs[i+1]
		}
		if m.Item != r.id || !bytes.Equal(m.Raw, r.raw) {
			t.Errorf("message %d: %q %q", i, m.Item, m.Raw)
		}
	}
}

// TestArchivePath: a journal is archived in the folder of the month in
// its name.
func TestArchivePath(t *testing.T) {
	tests := []struct{ journal, want string }{
		{"batch-20261202T013000Z-123.journal", filepath.Join("m", "enviados", "2026-12", "20261202T013000Z-123.journal")},
		{"batch-20270101T000000Z-9.journal", filepath.Join("m", "enviados", "2027-01", "20270101T000000Z-9.journal")},
		{"batch-42.journal", filepath.Join("m", "enviados", "sin-fecha", "42.journal")},
	}
	for i, tt := range tests {
		if got := archivePath("m", filepath.Join("m", journalDirName, tt.journal)); got != tt.want {
			t.Errorf("%d %s: %s, want %s", i, tt.journal, got, tt.want)
		}
	}
}
