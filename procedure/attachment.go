package procedure

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// InputFile is the kind of an input that takes a file: a document the
// person attaches to the step (the note that completes an observation,
// say). The input's Types and MaxSize bound it; the engine stores the file
// as an Attachment of the case, records its name as the input's value,
// and attaches it to the emails the step sends.
const InputFile InputKind = "file"

// MaxFileSize is the largest MaxSize an input of kind file may declare:
// 10 MiB, what institutional mail servers accept once encoded.
const MaxFileSize = 10 << 20

// MaxFileNameLen bounds an attached file's name, in characters.
const MaxFileNameLen = 200

// FileTypes are the file types an input of kind file may allow, by
// extension: the media type the file is stored and sent with, and the
// check its content must pass.
var FileTypes = map[string]FileType{
	"pdf":  {MediaType: "application/pdf", Label: "PDF", magic: []string{"%PDF-"}},
	"png":  {MediaType: "image/png", Label: "imagen PNG", magic: []string{"\x89PNG\r\n\x1a\n"}},
	"jpg":  {MediaType: "image/jpeg", Label: "imagen JPEG", magic: []string{"\xff\xd8\xff"}},
	"jpeg": {MediaType: "image/jpeg", Label: "imagen JPEG", magic: []string{"\xff\xd8\xff"}},
	"odt":  {MediaType: "application/vnd.oasis.opendocument.text", Label: "documento ODT", magic: []string{"PK\x03\x04"}},
	"ods":  {MediaType: "application/vnd.oasis.opendocument.spreadsheet", Label: "hoja de cálculo ODS", magic: []string{"PK\x03\x04"}},
	"docx": {MediaType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Label: "documento DOCX", magic: []string{"PK\x03\x04"}},
	"xlsx": {MediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Label: "hoja de cálculo XLSX", magic: []string{"PK\x03\x04"}},
	"zip":  {MediaType: "application/zip", Label: "archivo ZIP", magic: []string{"PK\x03\x04", "PK\x05\x06"}},
	"txt":  {MediaType: "text/plain; charset=utf-8", Label: "texto", text: true},
}

// FileType is a kind of file an input may take.
type FileType struct {
	// MediaType is what the file is stored and mailed as.
	MediaType string
	// Label is what staff call it.
	Label string
	magic []string
	text  bool
}

// matches reports whether content looks like a file of the type.
func (t FileType) matches(content []byte) bool {
	if t.text {
		return utf8.Valid(content) && !bytes.ContainsRune(content, 0)
	}
	for _, m := range t.magic {
		if bytes.HasPrefix(content, []byte(m)) {
			return true
		}
	}
	return false
}

// File is a file given with an event for an input of kind file.
type File struct {
	// Name is the file's name as the person's desk had it, without folders.
	Name    string `json:"name"`
	Content []byte `json:"content"`
}

// Attachment is a file attached to a case by an event: stored like a
// document, never changed.
type Attachment struct {
	CaseID string `json:"case_id"`
	// Seq is the history entry of the event that attached it.
	Seq int `json:"seq"`
	// Input is the event's input of kind file it was given for.
	Input string `json:"input"`
	// Name is the file's name (an input's value records it too).
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	// SHA256 is the hex digest of Content.
	SHA256    string    `json:"sha256"`
	Content   []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// FileName returns the name of the file an attachment is saved as:
// unique within its case ("5-respuesta.pdf": the entry, then the name).
func (a Attachment) FileName() string { return fmt.Sprintf("%d-%s", a.Seq, a.Name) }

// SizeText writes a size in bytes as staff read it, in units of 1,024:
// "850 B", "12 KB", "3,4 MB", "10 MB".
func SizeText(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%d KB", (n+512)/1024)
	}
	s := strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return strings.Replace(s, ".", ",", 1) + " MB"
}

// fileProblems checks the declaration of an input of kind file.
func fileProblems(ev EventName, in Input) []string {
	var p []string
	if len(in.Types) == 0 {
		p = append(p, fmt.Sprintf("el dato %q del evento %q no dice qué tipos de archivo admite (types)", in.Name, ev))
	}
	for _, t := range in.Types {
		if _, ok := FileTypes[t]; !ok {
			p = append(p, fmt.Sprintf("el dato %q del evento %q admite un tipo de archivo desconocido %q", in.Name, ev, t))
		}
	}
	if in.MaxSize <= 0 || in.MaxSize > MaxFileSize {
		p = append(p, fmt.Sprintf("el dato %q del evento %q debe fijar un tamaño máximo (max_size) entre 1 byte y %s", in.Name, ev, SizeText(MaxFileSize)))
	}
	return p
}

// TypesText lists the file types an input takes, as staff read them
// ("PDF, ODT, DOCX").
func (in Input) TypesText() string {
	out := make([]string, 0, len(in.Types))
	for _, t := range in.Types {
		out = append(out, strings.ToUpper(t))
	}
	return strings.Join(out, ", ")
}

// CheckFile checks a file given for an input of kind file: its name, its
// type (by extension, and its content must be of that type) and its size.
// It returns the attachment to store (without CaseID, Seq and CreatedAt),
// or a Spanish problem naming the input. Clients call it before sending,
// the engine again before storing.
func (in Input) CheckFile(f File) (Attachment, string) {
	label := in.Label
	if label == "" {
		label = in.Name
	}
	name := cleanFileName(f.Name)
	if name == "" {
		return Attachment{}, fmt.Sprintf("%s: el archivo no tiene un nombre válido", label)
	}
	if utf8.RuneCountInString(name) > MaxFileNameLen {
		return Attachment{}, fmt.Sprintf("%s: el nombre del archivo supera %d caracteres", label, MaxFileNameLen)
	}
	if len(f.Content) == 0 {
		return Attachment{}, fmt.Sprintf("%s: el archivo %s está vacío", label, name)
	}
	if in.MaxSize > 0 && int64(len(f.Content)) > in.MaxSize {
		return Attachment{}, fmt.Sprintf("%s: el archivo %s pesa %s; el máximo es %s", label, name, SizeText(int64(len(f.Content))), SizeText(in.MaxSize))
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	t, known := FileTypes[ext]
	if !known || !slices.Contains(in.Types, ext) {
		return Attachment{}, fmt.Sprintf("%s: el archivo %s no es de un tipo admitido (%s)", label, name, in.TypesText())
	}
	if !t.matches(f.Content) {
		return Attachment{}, fmt.Sprintf("%s: el contenido de %s no es un %s", label, name, t.Label)
	}
	sum := sha256.Sum256(f.Content)
	return Attachment{Input: in.Name, Name: name, MediaType: t.MediaType, Size: int64(len(f.Content)),
		SHA256: hex.EncodeToString(sum[:]), Content: f.Content}, ""
}

// cleanFileName keeps the last element of a path (either slash), without
// control characters and surrounding spaces; "" when nothing is left or
// the name is a dot name.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name))
	if name == "" || strings.Trim(name, ".") == "" {
		return ""
	}
	return name
}

// checkFiles checks the files given with ev; every problem is reported.
// Files for inputs that are not of kind file are refused.
func checkFiles(ev *EventDef, files map[string]File) ([]Attachment, []string) {
	var out []Attachment
	var problems []string
	for name := range files {
		if in, ok := ev.Input(name); !ok || in.Kind != InputFile {
			problems = append(problems, fmt.Sprintf("%q no admite archivos en %q", name, ev.Label))
		}
	}
	for _, in := range ev.Inputs {
		if in.Kind != InputFile {
			continue
		}
		f, given := files[in.Name]
		if !given {
			if in.Required {
				problems = append(problems, fmt.Sprintf("falta %s", strings.ToLower(in.Label)))
			}
			continue
		}
		a, p := in.CheckFile(f)
		if p != "" {
			problems = append(problems, p)
			continue
		}
		out = append(out, a)
	}
	return out, problems
}

// Attachments returns the files attached to a case, in the order they were
// given, for someone who may see the case.
func (e *Engine) Attachments(ctx context.Context, a Actor, caseID string) ([]Attachment, error) {
	if _, err := e.visibleCase(ctx, a, caseID); err != nil {
		return nil, wrapOp("attachments", err)
	}
	out, err := e.store.Attachments(ctx, caseID)
	return out, wrapOp("attachments", err)
}

// AttachmentOutput is what the history entry that attached a file records
// of it among its Outputs: its name and the SHA-256 digest of its content,
// so that the hash chain vouches for the file too (Engine.Verify).
func AttachmentOutput(a Attachment) string {
	return fmt.Sprintf("Archivo adjunto %s, SHA-256 %s", a.Name, a.SHA256)
}

// verifyAttachments checks that every stored file matches the digest its
// entry of the (verified) history records.
func verifyAttachments(h []Entry, atts []Attachment) error {
	for _, a := range atts {
		sum := sha256.Sum256(a.Content)
		a.SHA256 = hex.EncodeToString(sum[:])
		if a.Seq < 1 || a.Seq > len(h) || !slices.Contains(h[a.Seq-1].Outputs, AttachmentOutput(a)) {
			return Errorf(EINTERNAL, "archivo alterado: %s no coincide con la huella que registra la entrada %d", a.Name, a.Seq)
		}
	}
	return nil
}
