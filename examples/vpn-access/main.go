// Command vpn-access runs a procedure of one's own, written as JSON with
// none of the manual's roles: "Solicitud de acceso VPN" (vpn.json), in
// which an employee asks for access to the private network, the head of
// their unit authorises or rejects it (a conditional transition on the
// decision, and a guard function written in Go: nobody authorises their
// own request), security grants it with an initial password (a secret
// given at step 3, sealed, and revealed only to the requester), and the
// employee confirms. It runs three cases on SQLite (or on the PostgreSQL
// database -db names), prints each transition as an after-commit hook
// receives it, renders and signs the document the JSON declares, and
// sends the emails it declares to an in-process SMTP server that keeps
// them as dir/mail/NNN.eml.
//
//	go run ./examples/vpn-access -dir vpn-demo
//	go run ./examples/vpn-access -dir vpn-demo -db postgres://…
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/storage"
)

//go:embed vpn.json
var vpnJSON []byte

// The people of the procedure: two units, each with its head, and the
// security officer. Jorge heads Contabilidad and is an employee too.
var (
	eva   = procedure.Actor{ID: "eva", Name: "Eva Mamani", Email: "eva@example.gob.bo", Unit: "Contabilidad", Grants: []procedure.Grant{{Role: "empleado"}}}
	raul  = procedure.Actor{ID: "raul", Name: "Raúl Apaza", Email: "raul@example.gob.bo", Unit: "Contabilidad", Grants: []procedure.Grant{{Role: "empleado"}}}
	jorge = procedure.Actor{ID: "jorge", Name: "Jorge Lima", Email: "jorge@example.gob.bo", Unit: "Contabilidad",
		Grants: []procedure.Grant{{Role: "jefe_unidad"}, {Role: "empleado"}}}
	nora = procedure.Actor{ID: "nora", Name: "Nora Cruz", Email: "nora@example.gob.bo", Unit: "Archivo", Grants: []procedure.Grant{{Role: "jefe_unidad"}}}
	sara = procedure.Actor{ID: "sara", Name: "Sara Flores", Email: "sara@example.gob.bo", Unit: "Sistemas", Grants: []procedure.Grant{{Role: "seguridad"}}}
)

// institution signs the documents and the emails.
var institution = struct{ name, unit, city string }{"Ministerio de Ejemplo", "Unidad de Seguridad Informática", "Sucre"}

// notSelf is the guard function vpn.json names as "distinto_del_solicitante".
func notSelf(_ context.Context, c procedure.Case, a procedure.Actor) error {
	if a.ID == c.RequesterID {
		return errors.New("nadie puede autorizar su propia solicitud de acceso")
	}
	return nil
}

func main() {
	dir := flag.String("dir", "vpn-demo", "directory for the database, the key, the PDFs and the mail")
	db := flag.String("db", "", "database: a SQLite file or a postgres:// URL (default DIR/tramite.db)")
	flag.Parse()
	if err := run(context.Background(), *dir, *db, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vpn-access:", procedure.ErrorMessage(err))
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, db string, out io.Writer) error {
	d, err := procedure.LoadDefinition(vpnJSON)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if db == "" {
		db = filepath.Join(dir, "tramite.db")
	}
	store, err := storage.Open(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	for _, a := range []procedure.Actor{eva, raul, jorge, nora, sara} {
		if err := store.SaveActor(ctx, a); err != nil {
			return err
		}
	}
	key, err := procedure.LoadKey(filepath.Join(dir, "tramite.key"))
	if err != nil {
		return err
	}
	sealer, err := procedure.NewAESSealer(key)
	if err != nil {
		return err
	}
	e, err := procedure.NewEngine(store, procedure.WithDefinitions(d), procedure.WithDirectory(store), procedure.WithSealer(sealer),
		procedure.WithCitePrefix("USI"), procedure.WithGuard("distinto_del_solicitante", notSelf),
		procedure.WithAfterCommit(func(_ context.Context, t procedure.Transition) {
			fmt.Fprintf(out, "  %s #%d %s: %s, %s", t.Case.ID, t.Entry.Seq, t.Entry.ActorName, actionOf(t), t.Definition.StateLabel(t.Case.State))
			for _, it := range t.Outbox {
				fmt.Fprintf(out, "; %s %s", it.Kind, it.Topic)
			}
			fmt.Fprintln(out)
		}))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s — %s\n", d.Code, d.Name)
	ask := func(a procedure.Actor, scope, reason string) (procedure.Case, error) {
		return e.Start(ctx, procedure.StartRequest{Procedure: d.Code, Actor: a,
			Inputs: procedure.Inputs{"reason": reason, "scope": scope, "until": "31/03/2027"}})
	}
	step := func(c procedure.Case, a procedure.Actor, ev procedure.EventName, in procedure.Inputs) (procedure.Case, error) {
		return e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: ev, Actor: a, Inputs: in, Version: c.Version})
	}

	// Eva's request runs to its end.
	c1, err := ask(eva, "red interna", "Teletrabajo dos días por semana: sistema contable y carpetas compartidas.")
	if err != nil {
		return err
	}
	if c1, err = step(c1, jorge, "decide", procedure.Inputs{"decision": "autorizar"}); err != nil {
		return err
	}
	if c1, err = step(c1, sara, "grant", procedure.Inputs{"vpn_user": "emamani", "password": "Inicial-7Kq2-Vx9p"}); err != nil {
		return err
	}
	// The confirmation waits for Eva herself, not for her unit.
	for _, a := range []procedure.Actor{eva, raul} {
		cs, err := e.Inbox(ctx, a, 0, 0)
		if err != nil {
			return err
		}
		ids := make([]string, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		fmt.Fprintf(out, "  bandeja de %s: [%s]\n", a.Name, strings.Join(ids, " "))
	}
	secrets, err := e.RevealSecrets(ctx, eva, c1.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s leyó su contraseña inicial (%d caracteres; nadie más puede leerla)\n", eva.Name, utf8.RuneCountInString(secrets["password"]))
	if _, err := e.RevealSecrets(ctx, sara, c1.ID); err != nil {
		fmt.Fprintf(out, "  %s\n", procedure.ErrorMessage(err))
	}
	if c1, err = e.Case(ctx, eva, c1.ID); err != nil { // the reading is recorded: a new version
		return err
	}
	if c1, err = step(c1, eva, "confirm", nil); err != nil {
		return err
	}
	if err := e.PurgeSecrets(ctx, sara, c1.ID); err != nil {
		return err
	}

	// Raúl's request for the production servers is rejected: the decision
	// routes the case to "rejected".
	c2, err := ask(raul, "servidores de producción", "Revisión de los registros del servidor de contabilidad.")
	if err != nil {
		return err
	}
	if _, err = step(c2, jorge, "decide", procedure.Inputs{"decision": "rechazar", "observations": "Los registros se piden a Seguridad informática."}); err != nil {
		return err
	}

	// Jorge's own request: the guard function refuses his authorising it,
	// and the head of another unit may not either.
	c3, err := ask(jorge, "red interna", "Firma de documentos fuera de la oficina.")
	if err != nil {
		return err
	}
	for _, a := range []procedure.Actor{jorge, nora} {
		if _, err := step(c3, a, "decide", procedure.Inputs{"decision": "autorizar"}); err != nil {
			fmt.Fprintf(out, "  %s: %s\n", a.Name, procedure.ErrorMessage(err))
		}
	}
	for _, c := range []procedure.Case{c1, c2, c3} {
		if err := e.Verify(ctx, sara, c.ID); err != nil {
			return err
		}
		c, err := e.Case(ctx, sara, c.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s de %s: %s\n", c.ID, personName(c.RequesterID), d.StateLabel(c.State))
	}
	if err := documents(ctx, store, e, dir, out); err != nil {
		return err
	}
	return mail(ctx, store, e, dir, out)
}

// actionOf is the action of a transition as staff read it.
func actionOf(t procedure.Transition) string {
	return procedure.NewFacts(t.Definition, t.Case, []procedure.Entry{t.Entry}, 0, procedure.FactsOptions{}).Last().Action()
}

func personName(id string) string {
	for _, a := range []procedure.Actor{eva, raul, jorge, nora, sara} {
		if a.ID == id {
			return a.Name
		}
	}
	return id
}

// documents renders and signs the queued documents into dir and prints
// each with its number and the verification code it prints.
func documents(ctx context.Context, store procedure.Store, e *procedure.Engine, dir string, out io.Writer) error {
	id, err := report.NewDevIdentity(dir)
	if err != nil {
		return err
	}
	p, err := report.NewProcessor(store, e, report.ProcessorConfig{Dir: dir, Directory: store.(procedure.Directory), Signers: report.SameSigner(id),
		Options: report.Options{Institution: report.Institution{Name: institution.name, Unit: institution.unit, City: institution.city}}})
	if err != nil {
		return err
	}
	results, err := p.Drain(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "documentos firmados:")
	for _, r := range results {
		if r.Err != nil {
			return r.Err
		}
		fmt.Fprintf(out, "  %s  %s  %s\n", report.FileName(r.Document.CaseID, r.Document.Topic, r.Document.Version),
			r.Document.Number, report.VerifyCode(r.Fingerprint))
	}
	return nil
}

// mail sends the queued emails to an in-process SMTP server that keeps
// each as dir/mail/NNN.eml, and prints who each went to.
func mail(ctx context.Context, store procedure.Store, e *procedure.Engine, dir string, out io.Writer) error {
	srv, err := notify.NewCaptureServer(filepath.Join(dir, "mail"))
	if err != nil {
		return err
	}
	defer srv.Close()
	cfg := srv.Config(procedure.Address{Name: "Seguridad Informática", Email: "seguridad@example.gob.bo"})
	cfg.Institution = notify.Institution{Name: institution.name, Unit: institution.unit}
	disp, err := notify.NewDispatcher(store, e, cfg)
	if err != nil {
		return err
	}
	st, err := disp.Drain(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "correos: %s\n", st)
	items, err := e.Outbox(ctx, sara, procedure.OutboxQuery{Kind: procedure.EffectEmail})
	if err != nil {
		return err
	}
	for _, it := range items {
		fmt.Fprintf(out, "  %s %s -> %s", it.CaseID, it.Topic, emails(it.To))
		if len(it.Cc) > 0 {
			fmt.Fprintf(out, " (cc %s)", emails(it.Cc))
		}
		fmt.Fprintf(out, " %s\n", it.Status)
	}
	return nil
}

func emails(as []procedure.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.Email
	}
	return strings.Join(s, ", ")
}
