// Command quickstart runs tramite end to end without a window: on
// DIR/tramite.db it saves demo people for the four roles, runs one
// UIT/ASS-PR01 case (with one observation round) and one UIT/ASS-PR02 case
// through the nine steps of manual UIT/ASS-M01, and prints each case's
// route: step, event, actor, role (a.i. when interim) and time. With -db
// (or TRAMITE_DATABASE_URL) it runs on another database, a shared
// PostgreSQL one included.
//
//	go run ./examples/quickstart -dir demo
//
// The step 1 credentials are sealed with the key in DIR/tramite.key (made
// 0600 on first run, or taken from TRAMITE_SECRET_KEY), revealed once to the
// assigned profesional and purged when the case closes; they are never
// printed.
//
// After the transitions have committed, the outbox is processed as a real
// deployment would: every document is rendered, signed with a development
// identity created in DIR on first run (dev-*.pem), and written to DIR as
// <case>-<topic>.pdf (each version also as -vN.pdf); every email is sent
// over SMTP to an in-process server that writes what it receives to
// DIR/mail/NNN.eml, and the dispatcher keeps its own record of each sent
// message in DIR/enviados. With -smtp-host the mail goes to a real server
// instead (password from TRAMITE_SMTP_PASSWORD).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/storage"
)

// smtpFlags point the quick start at a real mail server.
type smtpFlags struct {
	host, user, tls, from string
	port                  int
}

// dbTarget is the -db flag: another database than DIR/tramite.db, such as
// a postgres:// URL (TRAMITE_DATABASE_URL is honoured too).
var dbTarget string

var smtpOpts = smtpFlags{tls: "starttls", from: "tramites@agetic.gob.bo"}

func main() {
	dir := flag.String("dir", "demo", "directory for the database, the key and what the cases produce")
	flag.StringVar(&dbTarget, "db", "", "database: a SQLite file or a postgres:// URL (default DIR/tramite.db, or $TRAMITE_DATABASE_URL)")
	flag.StringVar(&smtpOpts.host, "smtp-host", "", "SMTP server to send the emails to (default: an in-process server writing DIR/mail)")
	flag.IntVar(&smtpOpts.port, "smtp-port", 0, "SMTP port (default 587, or 465 with -smtp-tls tls)")
	flag.StringVar(&smtpOpts.user, "smtp-user", "", "SMTP user; the password is read from TRAMITE_SMTP_PASSWORD")
	flag.StringVar(&smtpOpts.tls, "smtp-tls", smtpOpts.tls, "starttls, tls (implicit, port 465) or insecure (localhost only)")
	flag.StringVar(&smtpOpts.from, "smtp-from", smtpOpts.from, "sender address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run is the quick start on dir with the wall clock.
func run(ctx context.Context, dir string, out io.Writer) error {
	return runWith(ctx, dir, out, procedure.SystemClock, procedure.SystemClock)
}

// laPaz is Bolivia's time (UTC-4 all year), in which routes are printed.
var laPaz = time.FixedZone("BOT", -4*60*60)

// runWith runs the quick start with clock for the transitions and work for
// the outbox processing that follows them.
func runWith(ctx context.Context, dir string, out io.Writer, clock, work procedure.Clock) error {
	d, err := openDemo(ctx, dir, clock)
	if err != nil {
		return err
	}
	defer d.close()
	fmt.Fprintf(out, "tramite: demostración en %s\n  base de datos %s\n  clave de cifrado %s\n", d.dir, storage.Describe(d.target), d.keyPath)
	var cases []procedure.Case
	for _, script := range []func(context.Context) (procedure.Case, error){d.pr01, d.pr02} {
		c, err := script(ctx)
		if err != nil {
			return err
		}
		cases = append(cases, c)
	}
	for _, c := range cases {
		if err := d.printRoute(ctx, out, c); err != nil {
			return err
		}
	}
	// The outbox now holds the documents and emails the steps owe: render
	// the documents first (the Nota Interna email attaches its PDF), then
	// send the mail.
	if err := d.render(ctx, out, work); err != nil {
		return err
	}
	return d.mail(ctx, out, work)
}

// demo is the quick start's store, engine and people.
type demo struct {
	dir, keyPath string
	target       string // the database: a SQLite path or a postgres:// URL
	store        storage.Backend
	engine       *procedure.Engine
}

func openDemo(ctx context.Context, dir string, clock procedure.Clock) (*demo, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	d := &demo{dir: dir, keyPath: filepath.Join(dir, "tramite.key")}
	key, err := procedure.LoadKey(d.keyPath)
	if err != nil {
		return nil, err
	}
	sealer, err := procedure.NewAESSealer(key)
	if err != nil {
		return nil, err
	}
	d.target = storage.TargetFromEnv(dbTarget, filepath.Join(dir, "tramite.db"))
	if d.store, err = storage.Open(ctx, d.target); err != nil {
		return nil, err
	}
	for _, a := range proceduretest.Actors() {
		if err := d.store.SaveActor(ctx, a); err != nil {
			d.store.Close()
			return nil, err
		}
	}
	d.engine, err = procedure.NewEngine(d.store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(d.store), procedure.WithSealer(sealer), procedure.WithClock(clock))
	if err != nil {
		d.store.Close()
		return nil, err
	}
	return d, nil
}

func (d *demo) close() error { return d.store.Close() }

// step is one event fired by one person.
type step struct {
	actor  procedure.Actor
	event  procedure.EventName
	inputs procedure.Inputs
}

// The demo people, one or more for each role.
var (
	ana          = proceduretest.Solicitante
	carla, diego = proceduretest.Jefe, proceduretest.JefeAI
	elena        = proceduretest.Responsable
	fabio        = proceduretest.Profesional
)

// pr01 puts a new system into production, with one round of observations,
// and purges its credentials once the case is closed.
func (d *demo) pr01(ctx context.Context) (procedure.Case, error) {
	secret := make([]byte, 12)
	rand.Read(secret)
	c, err := d.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: ana, Inputs: procedure.Inputs{
		"system":      "Sistema de Correspondencia Digital",
		"description": "Puesta en producción del sistema de correspondencia digital de la institución.",
		"unit":        ana.Unit,
		"credentials": "despliegue:" + hex.EncodeToString(secret),
		"tokens":      "token-ci-" + hex.EncodeToString(secret[:6]),
	}})
	if err != nil {
		return c, err
	}
	if c, err = d.fire(ctx, c, []step{
		{carla, manual.EventForward, nil},
		{elena, manual.EventInstruct, procedure.Inputs{"profesional": fabio.ID}},
		{fabio, manual.EventStart, nil},
	}); err != nil {
		return c, err
	}
	// The assigned profesional reads the credentials to deploy; the reveal
	// is recorded in the history.
	if _, err := d.engine.RevealSecrets(ctx, fabio, c.ID); err != nil {
		return c, err
	}
	if c, err = d.engine.Case(ctx, fabio, c.ID); err != nil {
		return c, err
	}
	if c, err = d.fire(ctx, c, []step{
		{fabio, manual.EventObserve, procedure.Inputs{"observations": "Falta la URL del repositorio y la variable de entorno DB_HOST."}},
		{ana, manual.EventComplete, procedure.Inputs{"answer": "Repositorio: gitlab.agetic.gob.bo/sis/correspondencia. DB_HOST va en los datos reservados.",
			"more_secrets": "DB_HOST=10.0.0.5"}},
		{fabio, manual.EventConclude, checklist("")},
		{elena, manual.EventApproveReport, nil},
		{carla, manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica que el Sistema de Correspondencia Digital se encuentra en producción."}},
		{ana, manual.EventAcknowledge, nil},
	}); err != nil {
		return c, err
	}
	if err := d.engine.PurgeSecrets(ctx, carla, c.ID); err != nil {
		return c, err
	}
	return d.engine.Case(ctx, fabio, c.ID)
}

// pr02 updates a system in production; the interim jefe forwards it and
// the requester clarifies the update once.
func (d *demo) pr02(ctx context.Context) (procedure.Case, error) {
	c, err := d.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: ana, Inputs: procedure.Inputs{
		"system":      "Portal de Trámites en Línea",
		"description": "Actualización a la versión 2.1: nuevo módulo de pagos y corrección de la búsqueda.",
		"unit":        ana.Unit,
	}})
	if err != nil {
		return c, err
	}
	return d.fire(ctx, c, []step{
		{diego, manual.EventForward, nil},
		{elena, manual.EventInstruct, procedure.Inputs{"profesional": fabio.ID}},
		{fabio, manual.EventStart, nil},
		{fabio, manual.EventObserve, procedure.Inputs{"observations": "Aclare si la actualización incluye migraciones de la base de datos."}},
		{ana, manual.EventComplete, procedure.Inputs{"answer": "Sí: dos migraciones, incluidas en el paquete de la versión 2.1."}},
		{fabio, manual.EventConclude, checklist("baja")},
		{elena, manual.EventApproveReport, nil},
		{carla, manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la actualización del Portal de Trámites en Línea a la versión 2.1."}},
		{ana, manual.EventAcknowledge, nil},
	})
}

func checklist(complexity string) procedure.Inputs {
	in := procedure.Inputs{
		"backup_ref":        "BK-2026-0451: instantánea del volumen y volcado de la base de datos",
		"monitored_ports":   "443, 5432",
		"security_policies": "true",
		"report":            "Se desplegó el sistema en el servidor de producción con contenedores, proxy inverso y certificados TLS.",
		"conclusions":       "El sistema se encuentra en producción y monitoreado.",
	}
	if complexity != "" {
		in["complexity"] = complexity
	}
	return in
}

func (d *demo) fire(ctx context.Context, c procedure.Case, steps []step) (procedure.Case, error) {
	for _, s := range steps {
		var err error
		c, err = d.engine.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.event, Actor: s.actor, Inputs: s.inputs, Version: c.Version})
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// printRoute prints a case's route from its verified history.
func (d *demo) printRoute(ctx context.Context, out io.Writer, c procedure.Case) error {
	def, err := d.engine.Definition(c.Procedure)
	if err != nil {
		return err
	}
	if err := d.engine.Verify(ctx, carla, c.ID); err != nil {
		return err
	}
	h, err := d.engine.History(ctx, carla, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s %s: %s (%s)\n", c.Procedure, c.ID, c.System, def.StateLabel(c.State))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "paso\tacción\tpersona\trol\thora")
	for _, a := range procedure.NewFacts(def, c, h, 0, procedure.FactsOptions{Location: laPaz}).Acts() {
		num := strconv.Itoa(a.Step)
		if _, ok := def.Event(a.Event); !ok {
			num = "-" // a reveal or purge of secrets, not a step
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", num, a.Action(), a.Actor, a.Role, a.At.T().Format("02/01/2006 15:04:05"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "historial verificado: %d entradas encadenadas\n", len(h))
	return nil
}

// render turns the queued documents into signed PDFs in dir.
func (d *demo) render(ctx context.Context, out io.Writer, clock procedure.Clock) error {
	id, err := report.NewDevIdentity(d.dir)
	if err != nil {
		return err
	}
	p, err := report.NewProcessor(d.store, d.engine, report.ProcessorConfig{
		Signers: report.SameSigner(id), Dir: d.dir, Directory: d.store, Clock: clock})
	if err != nil {
		return err
	}
	results, err := p.Drain(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\ndocumentos firmados en %s:\n", d.dir)
	for _, r := range results {
		if r.Err != nil {
			return fmt.Errorf("%s: %w", r.Item.ID, r.Err)
		}
		// The file of this very version, its number and the verification
		// code as its footer prints them.
		name := report.FileName(r.Item.CaseID, r.Item.Topic, r.Document.Version)
		fmt.Fprintf(out, "  %-45s v%d  %-18s %s\n", name, r.Document.Version, r.Document.Number, report.VerifyCode(r.Fingerprint))
	}
	return nil
}

// mail sends the queued emails: to an in-process capture server writing
// dir/mail, or to the server the -smtp flags name.
func (d *demo) mail(ctx context.Context, out io.Writer, clock procedure.Clock) error {
	from := procedure.Address{Name: "Trámites UIT", Email: smtpOpts.from}
	var cfg notify.Config
	where := ""
	if smtpOpts.host == "" {
		srv, err := notify.NewCaptureServer(filepath.Join(d.dir, "mail"))
		if err != nil {
			return err
		}
		defer srv.Close()
		cfg = srv.Config(from)
		where = "al servidor SMTP de demostración (" + srv.Addr() + "), que los guarda en " + filepath.Join(d.dir, "mail")
	} else {
		mode, err := notify.ParseTLSMode(smtpOpts.tls)
		if err != nil {
			return err
		}
		cfg = notify.Config{Host: smtpOpts.host, Port: smtpOpts.port, Username: smtpOpts.user,
			Password: os.Getenv("TRAMITE_SMTP_PASSWORD"), From: from, TLS: mode}
		where = "a " + cfg.Addr()
	}
	cfg.MailDir = filepath.Join(d.dir, "enviados")
	disp, err := notify.NewDispatcher(d.store, d.engine, cfg, notify.WithClock(clock))
	if err != nil {
		return err
	}
	st, err := disp.Drain(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "\ncorreos enviados %s: %s\n", where, st)
	return err
}
