// Command dbtool checks, backs up and exports a tramite SQLite database
// while it is in use.
//
//	go run ./examples/dbtool -db demo/tramite.db check
//	go run ./examples/dbtool -db demo/tramite.db backup respaldo.db
//	go run ./examples/dbtool -db demo/tramite.db -as carla export tablero xlsx tablero.xlsx
//	go run ./examples/dbtool -db demo/tramite.db -as elena -procedure UIT/ASS-PR01 -from 01/01/2026 export eventos xes pr01.xes
//
// check runs SQLite's integrity_check and foreign_key_check and verifies
// every case's hash-chained history; it exits with status 1 when it finds a
// problem. backup writes a consistent copy to a new file (0600). export
// writes, to a new file (0600), the tablero's figures (tablero: csv or
// xlsx), the cases with theirs (tramites: csv or xlsx) or their event log
// (eventos: csv, xlsx or xes), of the manual's procedures, as the person
// -as may see them (the Jefe de la UIT or the Responsable de Servidores y
// Servicios), narrowed by -procedure, -unit and the days cases started
// (-from, -to, both included).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"

	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/storage/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run runs dbtool with args and returns the exit status: 0 when all is
// well, 1 when check finds a problem or the command fails, 2 for bad usage.
func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	fl := flag.NewFlagSet("dbtool", flag.ContinueOnError)
	fl.SetOutput(errOut)
	db := fl.String("db", "", "the database file (required)")
	var ex exportFlags
	fl.StringVar(&ex.as, "as", "", "export: the ID of the person who exports (required)")
	fl.StringVar(&ex.procedure, "procedure", "", "export: only this procedure's cases")
	fl.StringVar(&ex.unit, "unit", "", "export: only this requesting unit's cases")
	fl.StringVar(&ex.from, "from", "", "export: cases started on this day (DD/MM/AAAA) or later")
	fl.StringVar(&ex.to, "to", "", "export: cases started on this day (DD/MM/AAAA) or earlier")
	fl.Usage = func() {
		fmt.Fprintln(errOut, "uso: dbtool -db ARCHIVO check\n     dbtool -db ARCHIVO backup DESTINO\n"+
			"     dbtool -db ARCHIVO -as PERSONA [-procedure P] [-unit U] [-from DÍA] [-to DÍA] export tablero|tramites|eventos csv|xlsx|xes DESTINO")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	cmd := fl.Args()
	want := map[string]int{"check": 1, "backup": 2, "export": 4}
	if *db == "" || len(cmd) == 0 || want[cmd[0]] != len(cmd) {
		fl.Usage()
		return 2
	}
	// Open would create a missing database: a typo must not look healthy.
	if _, err := os.Stat(*db); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(errOut, "dbtool: no existe la base de datos %s\n", *db)
		return 1
	}
	s, err := sqlite.Open(ctx, *db)
	if err != nil {
		fmt.Fprintln(errOut, "dbtool:", err)
		return 1
	}
	defer s.Close()
	switch cmd[0] {
	case "check":
		return check(ctx, s, out, errOut)
	case "export":
		if err := exportTo(ctx, s, ex, export.Kind(cmd[1]), export.Format(cmd[2]), cmd[3]); err != nil {
			fmt.Fprintln(errOut, "dbtool:", procedure.ErrorMessage(err))
			return 1
		}
		fmt.Fprintf(out, "%s %s de %s escrito en %s\n", cmd[1], cmd[2], s.Path(), cmd[3])
		return 0
	default:
		if err := s.Backup(ctx, cmd[1]); err != nil {
			fmt.Fprintln(errOut, "dbtool:", err)
			return 1
		}
		fmt.Fprintf(out, "respaldo de %s escrito en %s\n", s.Path(), cmd[1])
		return 0
	}
}

func check(ctx context.Context, s *sqlite.Store, out, errOut io.Writer) int {
	r, err := s.Check(ctx)
	if err != nil {
		fmt.Fprintln(errOut, "dbtool:", err)
		return 1
	}
	fmt.Fprintf(out, "%s: %d trámites, %d entradas de historial verificadas\n", s.Path(), r.Cases, r.Entries)
	for _, p := range r.Integrity {
		fmt.Fprintln(out, "integridad:", p)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(out, "%s: %s\n", p.CaseID, p.Problem)
	}
	if !r.OK() {
		fmt.Fprintf(out, "PROBLEMAS: %d de integridad, %d trámites\n", len(r.Integrity), len(r.Problems))
		return 1
	}
	fmt.Fprintln(out, "ok")
	return 0
}

// exportFlags are the flags of export.
type exportFlags struct{ as, procedure, unit, from, to string }

// exportTo writes an export to a new file (0600), removed again if the
// export fails.
func exportTo(ctx context.Context, s *sqlite.Store, ex exportFlags, kind export.Kind, f export.Format, path string) (err error) {
	if err := export.Check(kind, f); err != nil {
		return err
	}
	if ex.as == "" {
		return procedure.Errorf(procedure.EINVALID, "indique con -as quién exporta: el Jefe de la UIT o el Responsable de Servidores y Servicios")
	}
	a, err := s.Actor(ctx, ex.as)
	if err != nil {
		return err
	}
	q, err := export.Days(procedure.DashboardQuery{Procedure: ex.procedure, Unit: ex.unit}, ex.from, ex.to)
	if err != nil {
		return err
	}
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(s))
	if err != nil {
		return err
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	return export.Write(ctx, file, e, a, q, kind, f)
}
