package ui_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// buttons returns the buttons under o with that text, in order.
func buttons(o fyne.CanvasObject, text string) []*widget.Button {
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == text {
			return []*widget.Button{x}
		}
	case *fyne.Container:
		var out []*widget.Button
		for _, c := range x.Objects {
			out = append(out, buttons(c, text)...)
		}
		return out
	case *container.Scroll:
		return buttons(x.Content, text)
	}
	return nil
}

// logBuffer is a slog handler's output that tests may read while the UI writes.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startRendered starts a PR02 case as the requester and renders its
// documents with the report processor.
func startRendered(t *testing.T, e *env) procedure.Case {
	t.Helper()
	ctx := context.Background()
	c, err := e.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02,
		Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Portal de Trámites")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := report.NewProcessor(e.store, e.engine, report.ProcessorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOpenWithoutViewer: "Abrir" on a desk with no program for PDF says,
// in Spanish, what to do and offers "Guardar como…"; the failure is
// logged. Where a program exists, it gets the document's PDF.
func TestOpenWithoutViewer(t *testing.T) {
	a := test.NewTempApp(t)
	e := memEnv(t)
	c := startRendered(t, e)
	var opened []string
	viewer := true
	logs := &logBuffer{}
	u := ui.New(a, e.svc, ui.Options{Log: slog.New(slog.NewTextHandler(logs, nil)), Open: func(p string) error {
		if !viewer { // what the desktop answers when its opener is missing
			return exec.Command(filepath.Join(t.TempDir(), "xdg-open"), p).Start()
		}
		opened = append(opened, p)
		return nil
	}})
	defer u.Close()
	signIn(t, u, "carla")
	cv := openFromInbox(t, u, c.ID)
	open := buttons(cv.Documents, "Abrir")
	if len(open) != 1 {
		t.Fatalf("%d Abrir buttons for one document", len(open))
	}
	test.Tap(open[0])
	if len(opened) != 1 || u.LastError != "" {
		t.Fatalf("opened %v, error %q", opened, u.LastError)
	}
	got, err := os.ReadFile(opened[0])
	if err != nil || !bytes.HasPrefix(got, []byte("%PDF-")) {
		t.Fatalf("the file opened is not the PDF: %v", err)
	}
	if st, _ := os.Stat(opened[0]); st.Mode().Perm() != 0o600 {
		t.Fatalf("the file opened is %v, want 0600", st.Mode().Perm())
	}

	viewer = false
	test.Tap(open[0])
	for _, want := range []string{"no tiene un programa para abrir", "lector de PDF", "Guardar como…"} {
		if !strings.Contains(u.LastError, want) {
			t.Fatalf("without a viewer the client says %q, want it to mention %q", u.LastError, want)
		}
	}
	if strings.Contains(u.LastError, "Error interno") {
		t.Fatal(u.LastError)
	}
	if l := logs.String(); !strings.Contains(l, "could not open") || !strings.Contains(l, c.ID) {
		t.Fatalf("the failure was not logged:\n%s", l)
	}
	if cv.SaveInstead == nil || cv.SaveDialog != nil {
		t.Fatal("no Guardar como… offered")
	}
	test.Tap(cv.SaveInstead)
	if cv.SaveDialog == nil {
		t.Fatal("Guardar como… did not ask where to save")
	}
}
