// Command deadlines shows the deadlines an agency may set on the manual's
// procedures, an extension the manual does not set: it loads a deadline
// configuration (the example of manual.ExampleDeadlines, or a JSON file),
// runs a PR01 case on SQLite through a simulated week on the Bolivian
// working-day calendar, prints when each step falls due (the clock stands
// still while the case is observed), sweeps the deadlines when step 4 is
// late and sends the reminder and the notice to an in-process SMTP server
// that keeps each as DIR/mail/NNN.eml.
//
//	go run ./examples/deadlines -dir plazos-demo
//	go run ./examples/deadlines -plazos mis-plazos.json -departamento Cochabamba
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tramite/tramite/calendar"
	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/storage/sqlite"
)

func main() {
	dir := flag.String("dir", "plazos-demo", "directory for the database and the emails")
	file := flag.String("plazos", "", "JSON deadline configuration to load instead of the example (manual.ExampleDeadlines)")
	dept := flag.String("departamento", "La Paz", "department whose holiday the agency observes")
	flag.Parse()
	settings := manual.ExampleDeadlines()
	if *file != "" {
		var err error
		if settings, err = os.ReadFile(*file); err != nil {
			fmt.Fprintln(os.Stderr, "deadlines:", err)
			os.Exit(1)
		}
	}
	if err := run(context.Background(), *dir, settings, *dept, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deadlines:", procedure.ErrorMessage(err))
		os.Exit(1)
	}
}

// clock is the simulated time of the demo.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// at is a time in La Paz, "2006-01-02 15:04".
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.LaPaz)
	if err != nil {
		panic(err)
	}
	return t
}

var weekdays = [...]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"}

// show writes a time in La Paz with its weekday: "lun 30/11/2026 09:00".
func show(t time.Time) string {
	t = t.In(calendar.LaPaz)
	return weekdays[t.Weekday()] + " " + t.Format("02/01/2006 15:04")
}

// desk is one run of the program on the database in dir: a process that
// may be killed and started again.
type desk struct {
	dir    string
	store  *sqlite.Store
	engine *procedure.Engine
}

// open opens the database in dir and an engine on it that runs the
// manual's procedures and, as their current version, the same with the
// deadlines of settings, on the calendar of dept, at clk.
func open(ctx context.Context, dir string, settings []byte, dept string, clk procedure.Clock) (*desk, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cal, err := calendar.New(calendar.Settings{Department: dept})
	if err != nil {
		return nil, procedure.Errorf(procedure.EINVALID, "%v", err)
	}
	defs := manual.Definitions()
	withDeadlines, err := procedure.ApplyDeadlines(settings, defs)
	if err != nil {
		return nil, err
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "tramite.db"))
	if err != nil {
		return nil, err
	}
	key, err := procedure.LoadKey(filepath.Join(dir, "tramite.key"))
	if err == nil {
		var sealer procedure.Sealer
		if sealer, err = procedure.NewAESSealer(key); err == nil {
			var e *procedure.Engine
			e, err = procedure.NewEngine(store, procedure.WithDefinitions(append(defs, withDeadlines...)...),
				procedure.WithDirectory(store), procedure.WithSealer(sealer), procedure.WithClock(clk), procedure.WithCalendar(cal))
			if err == nil {
				return &desk{dir: dir, store: store, engine: e}, nil
			}
		}
	}
	store.Close()
	return nil, err
}

func (d *desk) close() error { return d.store.Close() }

// sweep escalates the late steps and sends what the outbox holds to a
// capture server writing DIR/mail.
func (d *desk) sweep(ctx context.Context, clk procedure.Clock) (int, notify.Stats, error) {
	n, err := d.engine.Escalate(ctx)
	if err != nil {
		return 0, notify.Stats{}, err
	}
	st, err := d.send(ctx, clk)
	return n, st, err
}

// send delivers the outbox's emails to a capture server writing DIR/mail.
func (d *desk) send(ctx context.Context, clk procedure.Clock) (notify.Stats, error) {
	srv, err := notify.NewCaptureServer(filepath.Join(d.dir, "mail"))
	if err != nil {
		return notify.Stats{}, err
	}
	defer srv.Close()
	disp, err := notify.NewDispatcher(d.store, d.engine, srv.Config(procedure.Address{Name: "Trámites UIT", Email: "tramites@agetic.gob.bo"}),
		notify.WithClock(clk))
	if err != nil {
		return notify.Stats{}, err
	}
	return disp.Drain(ctx)
}

var people = func() map[string]procedure.Actor {
	m := map[string]procedure.Actor{}
	for _, a := range manual.DemoPeople() {
		m[a.ID] = a
	}
	return m
}()

func run(ctx context.Context, dir string, settings []byte, dept string, out io.Writer) error {
	clk := &clock{t: at("2026-11-30 09:00")} // a Monday
	d, err := open(ctx, dir, settings, dept, clk)
	if err != nil {
		return err
	}
	defer d.close()
	for _, a := range manual.DemoPeople() {
		if err := d.store.SaveActor(ctx, a); err != nil {
			return err
		}
	}
	c, err := d.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: people["ana"], Inputs: procedure.Inputs{
		"system": "Sistema de Correspondencia Digital", "description": "Puesta en producción del sistema de correspondencia.",
		"unit": manual.UnitDesarrollo, "credentials": "usuario despliegue / clave de demostración"}})
	if err != nil {
		return err
	}
	def, err := d.engine.DefinitionOf(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s %s, versión %s: plazos (%s) en días hábiles de Bolivia, departamento %s\n\n", c.ID, def.Code, def.Version,
		procedure.ExtensionNote, dept)
	fmt.Fprintf(out, "%-21s  %-52s  %-4s  %-21s  %s\n", "hora", "acción", "paso", "vence", "estado del plazo")
	status := func(what string) error {
		cs, err := d.engine.Case(ctx, people["carla"], c.ID)
		if err != nil {
			return err
		}
		due, state := "", ""
		if k := cs.Clock; k != nil {
			due = show(k.Due)
			switch {
			case k.Overdue:
				state = "vencido"
			case k.Paused:
				state = "en pausa: espera al solicitante"
			default:
				state = "corre (" + k.Deadline.String() + ")"
			}
		}
		_, err = fmt.Fprintf(out, "%-21s  %-52s  %-4d  %-21s  %s\n", show(clk.Now()), what, cs.Step, due, state)
		return err
	}
	if err := status("Solicitar la puesta en producción"); err != nil {
		return err
	}
	for _, s := range []struct {
		at, by string
		ev     procedure.EventName
		in     procedure.Inputs
	}{
		{"2026-11-30 10:00", "carla", manual.EventForward, nil},
		{"2026-11-30 15:00", "elena", manual.EventInstruct, procedure.Inputs{"profesional": "fabio"}},
		{"2026-12-01 09:00", "fabio", manual.EventStart, nil},
		{"2026-12-03 11:00", "fabio", manual.EventObserve, procedure.Inputs{"observations": "Falta la URL del repositorio y la variable DB_HOST."}},
		{"2026-12-08 10:00", "ana", manual.EventComplete, procedure.Inputs{"answer": "Repositorio gitlab.agetic.gob.bo/sis/correspondencia; DB_HOST en los datos reservados."}},
	} {
		clk.set(at(s.at))
		ev, _ := def.Event(s.ev)
		if c, err = d.engine.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: people[s.by], Inputs: s.in}); err != nil {
			return err
		}
		if err := status(ev.Label); err != nil {
			return err
		}
	}
	cs, err := d.engine.Case(ctx, people["carla"], c.ID)
	if err != nil {
		return err
	}
	if cs.Clock == nil {
		return errors.New("step 4 has no deadline in this configuration")
	}
	// A minute after step 4 falls due, the sweep escalates it.
	clk.set(cs.Clock.Due.Add(time.Minute))
	n, st, err := d.sweep(ctx, clk)
	if err != nil {
		return err
	}
	if err := status("Barrido de plazos"); err != nil {
		return err
	}
	h, err := d.engine.History(ctx, people["carla"], c.ID)
	if err != nil {
		return err
	}
	last := h[len(h)-1]
	fmt.Fprintf(out, "\npasos vencidos: %d\nhistorial: %s — %s\ncorreos: %s (en %s)\n", n, last.ActorName, last.Comment, st,
		filepath.Join(dir, "mail"))
	return nil
}
