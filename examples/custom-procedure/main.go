// Command custom-procedure shows that tramite runs procedures beyond PR01
// and PR02 with no Go code of their own: it loads a third procedure from
// JSON at run time (respaldo.json, an illustrative backup-generation
// procedure with its own roles, steps, documents and emails), runs one
// case through it on SQLite, renders and signs the documents the JSON
// declares into PDFs, and sends the emails it declares to an in-process
// SMTP server that keeps each as an .eml file.
//
//	go run ./examples/custom-procedure -dir respaldo-demo
//	go run ./examples/custom-procedure -def mi-procedimiento.json   # validate and draw another
//
// The procedure is illustrative: the manual's previous version (R.A.
// AGETIC/RA/0067/2019) had a backup procedure whose text is not at hand.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/storage/sqlite"
)

//go:embed respaldo.json
var respaldoJSON []byte

// People of the illustrative procedure, with its own roles.
var (
	sol = procedure.Actor{ID: "ana", Name: "Ana Quispe", Email: "ana@agetic.gob.bo", Unit: "Unidad de Desarrollo de Software",
		Grants: []procedure.Grant{{Role: "solicitante"}}}
	resp = procedure.Actor{ID: "raul", Name: "Raúl Condori", Email: "raul@agetic.gob.bo", Unit: "UIT",
		Grants: []procedure.Grant{{Role: "responsable_respaldos"}}}
	oper = procedure.Actor{ID: "olga", Name: "Olga Ticona", Email: "olga@agetic.gob.bo", Unit: "UIT",
		Grants: []procedure.Grant{{Role: "operador_respaldos"}}}
)

func main() {
	dir := flag.String("dir", "respaldo-demo", "directory for the database and the PDFs")
	def := flag.String("def", "", "JSON definition to load instead of the embedded respaldo.json (it is validated and its diagram printed)")
	flag.Parse()
	data := respaldoJSON
	if *def != "" {
		var err error
		if data, err = os.ReadFile(*def); err != nil {
			fmt.Fprintln(os.Stderr, "custom-procedure:", err)
			os.Exit(1)
		}
	}
	if err := run(context.Background(), data, *dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-procedure:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, data []byte, dir string, out io.Writer) error {
	d, err := procedure.LoadDefinition(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s — %s\n\n", d.Code, d.Name)
	if err := d.WriteTable(out); err != nil {
		return err
	}
	fmt.Fprintln(out, "\n```mermaid")
	if err := d.WriteMermaid(out, procedure.DiagramOptions{}); err != nil {
		return err
	}
	fmt.Fprintln(out, "```")
	if d.Code != "UIT/ASS-PR03" {
		return nil // another definition: validated and drawn
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "tramite.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	for _, a := range []procedure.Actor{sol, resp, oper} {
		if err := store.SaveActor(ctx, a); err != nil {
			return err
		}
	}
	e, err := procedure.NewEngine(store, procedure.WithDirectory(store), procedure.WithDefinitions(d))
	if err != nil {
		return err
	}
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: d.Code, Actor: sol, Inputs: procedure.Inputs{
		"system": "Sistema de Correspondencia", "description": "Copia completa de la base de datos y de los archivos adjuntos.",
		"unit": sol.Unit}})
	if err != nil {
		return err
	}
	steps := []struct {
		a  procedure.Actor
		ev procedure.EventName
		in procedure.Inputs
	}{
		{resp, "assign", procedure.Inputs{"operador": oper.ID}},
		{oper, "generate", procedure.Inputs{"backup_ref": "s3://respaldos/correspondencia/2026-11-26.tar.zst", "checksum": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
		{resp, "redo", procedure.Inputs{"reasons": "La copia no incluye los adjuntos."}},
		{oper, "generate", procedure.Inputs{"backup_ref": "s3://respaldos/correspondencia/2026-11-26-b.tar.zst", "checksum": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"}},
		{resp, "verify", procedure.Inputs{"restored": "true"}},
		{sol, "acknowledge", nil},
	}
	for _, s := range steps {
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in, Version: c.Version}); err != nil {
			return err
		}
	}
	if err := e.Verify(ctx, resp, c.ID); err != nil {
		return err
	}
	id, err := report.NewDevIdentity(dir)
	if err != nil {
		return err
	}
	p, err := report.NewProcessor(store, e, report.ProcessorConfig{Dir: dir, Directory: store, Signers: report.SameSigner(id)})
	if err != nil {
		return err
	}
	results, err := p.Drain(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s: %s\n", c.ID, d.StateLabel(c.State))
	for _, r := range results {
		if r.Err != nil {
			return r.Err
		}
	}
	docs, err := store.Documents(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		fmt.Fprintf(out, "  %s v%d %s\n", report.FileName(c.ID, doc.Topic, doc.Version), doc.Version, doc.Number)
	}
	return mail(ctx, store, e, dir, out)
}

// mail sends the emails the case owes to an in-process SMTP server that
// keeps each message as dir/mail/NNN.eml.
func mail(ctx context.Context, store procedure.Store, e *procedure.Engine, dir string, out io.Writer) error {
	srv, err := notify.NewCaptureServer(filepath.Join(dir, "mail"))
	if err != nil {
		return err
	}
	defer srv.Close()
	d, err := notify.NewDispatcher(store, e, srv.Config(procedure.Address{Name: "Copias de seguridad", Email: "respaldos@agetic.gob.bo"}))
	if err != nil {
		return err
	}
	st, err := d.Drain(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "correos: %s\n", st)
	for _, f := range srv.Files() {
		fmt.Fprintf(out, "  %s\n", f)
	}
	return nil
}
