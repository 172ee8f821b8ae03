package procedure_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// pdfFile is a small file that passes for a PDF.
func pdfFile(name string, size int) procedure.File {
	b := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), max(0, size-9))...)
	return procedure.File{Name: name, Content: b}
}

// TestAttachmentBounds: a step that takes a file refuses, with a Spanish
// message naming the field, a file of a type it does not take, content
// that is not what its name says, one too big or empty, a file for an
// input that takes none and a typed value for a file input; the case is
// left as it was.
func TestAttachmentBounds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]procedure.File
		in    procedure.Inputs
		want  string
	}{
		{"type not taken", map[string]procedure.File{"answer_file": {Name: "setup.exe", Content: []byte("MZ\x90\x00")}}, nil,
			"setup.exe no es de un tipo admitido (PDF, ODT, DOCX"},
		{"content not of its type", map[string]procedure.File{"answer_file": {Name: "nota.docx", Content: []byte("%PDF-1.7 hola")}}, nil,
			"el contenido de nota.docx no es un documento DOCX"},
		{"too big", map[string]procedure.File{"answer_file": pdfFile("grande.pdf", 12<<20+300<<10)}, nil,
			"grande.pdf pesa 12,3 MB; el máximo es 10 MB"},
		{"empty", map[string]procedure.File{"answer_file": {Name: "vacío.pdf"}}, nil, "vacío.pdf está vacío"},
		{"no name", map[string]procedure.File{"answer_file": {Name: " ../ ", Content: []byte("%PDF-")}}, nil, "no tiene un nombre válido"},
		{"input that takes no file", map[string]procedure.File{"answer": pdfFile("a.pdf", 100)}, nil, `"answer" no admite archivos`},
		{"typed, not attached", nil, procedure.Inputs{"answer_file": "C:\\informe.pdf"}, "adjunte el archivo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, s := newEngine(t)
			c := caseBefore(t, e, manual.CodePR01, manual.EventComplete)
			in := procedure.Inputs{"answer": "Adjunto el documento."}
			for k, v := range tc.in {
				in[k] = v
			}
			_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventComplete, Actor: proceduretest.Solicitante,
				Inputs: in, Files: tc.files})
			wantCode(t, err, procedure.EINVALID)
			if msg := procedure.ErrorMessage(err); !strings.Contains(msg, tc.want) {
				t.Fatalf("message %q, want it to say %q", msg, tc.want)
			}
			if got, _ := s.Case(ctx, c.ID); got.Version != c.Version {
				t.Fatal("a refused file changed the case")
			}
			if atts, _ := s.Attachments(ctx, c.ID); len(atts) != 0 {
				t.Fatalf("a refused file was stored: %v", atts)
			}
		})
	}
}

// TestAttachmentStored: a file given with step 5 is stored with the entry
// that gave it, its name (without folders) recorded as the input's value
// in the case and the history; only those who may see the case read it.
func TestAttachmentStored(t *testing.T) {
	e, _ := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventComplete)
	f := pdfFile(`C:\Documentos\respuesta final.pdf`, 2048)
	c, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventComplete, Actor: proceduretest.Solicitante,
		Inputs: procedure.Inputs{"answer": "Adjunto la URL del repositorio."}, Files: map[string]procedure.File{"answer_file": f}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Data["answer_file"] != "respuesta final.pdf" {
		t.Fatalf("the case records %q", c.Data["answer_file"])
	}
	h, err := e.History(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := h[len(h)-1]
	if last.Data["answer_file"] != "respuesta final.pdf" {
		t.Fatalf("the history records %q", last.Data["answer_file"])
	}
	atts, err := e.Attachments(ctx, proceduretest.Profesional, c.ID)
	if err != nil || len(atts) != 1 {
		t.Fatalf("%v, %v", atts, err)
	}
	a := atts[0]
	if a.Seq != last.Seq || a.Input != "answer_file" || a.Name != "respuesta final.pdf" || a.MediaType != "application/pdf" ||
		a.Size != 2048 || !bytes.Equal(a.Content, f.Content) || len(a.SHA256) != 64 || a.FileName() != "6-respuesta final.pdf" {
		a.Content = nil
		t.Fatalf("stored %+v", a)
	}
	if _, err := e.Attachments(ctx, proceduretest.Solicitante2, c.ID); procedure.ErrorCode(err) != procedure.ENOTFOUND {
		t.Fatalf("a requester of another unit: %v", err)
	}
	if err := e.Verify(ctx, proceduretest.Jefe, c.ID); err != nil {
		t.Fatal(err)
	}
}

// TestFileInputDeclared: an input of kind file must say which types it
// takes (known ones) and its maximum size, at most MaxFileSize.
func TestFileInputDeclared(t *testing.T) {
	for _, tc := range []struct {
		in   procedure.Input
		want string
	}{
		{procedure.Input{Name: "f", Label: "F", Kind: procedure.InputFile, MaxSize: 1000}, "qué tipos de archivo admite"},
		{procedure.Input{Name: "f", Label: "F", Kind: procedure.InputFile, Types: []string{"exe"}, MaxSize: 1000}, `tipo de archivo desconocido "exe"`},
		{procedure.Input{Name: "f", Label: "F", Kind: procedure.InputFile, Types: []string{"pdf"}}, "tamaño máximo"},
		{procedure.Input{Name: "f", Label: "F", Kind: procedure.InputFile, Types: []string{"pdf"}, MaxSize: procedure.MaxFileSize + 1}, "tamaño máximo"},
	} {
		d := manual.PR01()
		for i := range d.Events {
			if d.Events[i].Name == manual.EventComplete {
				d.Events[i].Inputs = append(d.Events[i].Inputs, tc.in)
			}
		}
		err := d.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.in, err, tc.want)
		}
	}
	if err := manual.PR01().Validate(); err != nil {
		t.Fatal(err)
	}
}
