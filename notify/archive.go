package notify

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The archive of sent mail. A batch journal that has served its purpose
// (the store knows the outcome of every message in it) is not deleted but
// moved, whole, to <MailDir>/enviados/<YYYY-MM>/<YYYYMMDD>T<HHMMSS>Z-<n>.journal
// (0600, in 0700 folders): every message a server accepted is kept there
// byte for byte, with its outbox item and a checksum, at the cost of one
// rename per journal rather than a file per message. ReadArchive reads an
// archive file; WriteMbox turns messages into the mboxrd format any mail
// client opens.

const (
	archiveDirName = "enviados"
	// journalStamp is the layout of the time in a journal's name.
	journalStamp = "20060102T150405Z"
)

// archivePath returns where the journal at journalPath is archived.
func archivePath(mailDir, journalPath string) string {
	name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(journalPath), journalPrefix), journalSuffix)
	month := "sin-fecha"
	if len(name) >= len(journalStamp) {
		if t, err := time.Parse(journalStamp, name[:len(journalStamp)]); err == nil {
			month = t.Format("2006-01")
		}
	}
	return filepath.Join(mailDir, archiveDirName, month, name+journalSuffix)
}

// archive moves the journal at path into the archive.
func (j *journal) archive(path string) error {
	dst := archivePath(j.mail, path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("mail archive: %w", err)
	}
	if err := os.Rename(path, dst); err != nil {
		return fmt.Errorf("mail archive: %w", err)
	}
	return nil
}

// SentMessage is a message a server accepted, as the archive keeps it.
type SentMessage struct {
	// Item is the outbox item's ID.
	Item string
	// Raw is the message as sent.
	Raw []byte
}

// Archives lists the archive files under mailDir (see Config.MailDir),
// oldest first. A mailDir with no archive yet has none.
func Archives(mailDir string) ([]string, error) {
	root := filepath.Join(mailDir, archiveDirName)
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == root {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(path, journalSuffix) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archivo de correo: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

// ReadArchive reads an archive file. damaged counts the bytes that could
// not be read as messages whose checksum holds (a record cut short by a
// crash, or damage): the messages around them are returned all the same.
func ReadArchive(path string) (msgs []SentMessage, damaged int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("archivo de correo: %w", err)
	}
	recs, _, bad := parseRecords(data, 0)
	if len(recs) == 0 && len(data) > 0 {
		return nil, bad, fmt.Errorf("archivo de correo %s: ningún mensaje legible en %d bytes: no es un archivo de correo enviado por tramite, o está dañado", filepath.Base(path), len(data))
	}
	for _, r := range recs {
		msgs = append(msgs, SentMessage{Item: r.id, Raw: data[r.off : r.off+int64(r.size) : r.off+int64(r.size)]})
	}
	return msgs, bad, nil
}

// WriteMbox writes msgs to w in the mboxrd format: each after a "From "
// line dated as the message is, with an X-Tramite-Item header naming its
// outbox item, its line ends made LF and its lines that begin with
// ">*From " quoted with one more '>'.
func WriteMbox(w io.Writer, msgs []SentMessage) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for _, m := range msgs {
		buf = appendMbox(buf[:0], m.Item, m.Raw, messageDate(m.Raw))
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// messageDate returns the Date of a message, or the zero time.
func messageDate(raw []byte) time.Time {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return time.Time{}
	}
	t, _ := msg.Header.Date()
	return t
}

// appendMbox appends the mboxrd entry of the message raw of item id.
func appendMbox(buf []byte, id string, raw []byte, at time.Time) []byte {
	buf = append(buf, "From tramite "...)
	buf = at.UTC().AppendFormat(buf, time.ANSIC)
	buf = append(buf, "\nX-Tramite-Item: "...)
	buf = append(buf, strings.NewReplacer("\r", " ", "\n", " ").Replace(id)...)
	buf = append(buf, '\n')
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
			buf = append(buf, '>')
		}
		buf = append(append(buf, line...), '\n')
	}
	return append(buf, '\n')
}
