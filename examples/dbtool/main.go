// Command dbtool checks and backs up a tramite SQLite database while it is
// in use.
//
//	go run ./examples/dbtool -db demo/tramite.db check
//	go run ./examples/dbtool -db demo/tramite.db backup respaldo.db
//
// check runs SQLite's integrity_check and foreign_key_check and verifies
// every case's hash-chained history; it exits with status 1 when it finds a
// problem. backup writes a consistent copy to a new file (0600).
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
	fl.Usage = func() {
		fmt.Fprintln(errOut, "uso: dbtool -db ARCHIVO check\n     dbtool -db ARCHIVO backup DESTINO")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	cmd := fl.Args()
	if *db == "" || len(cmd) == 0 || (cmd[0] == "check" && len(cmd) != 1) || (cmd[0] == "backup" && len(cmd) != 2) ||
		(cmd[0] != "check" && cmd[0] != "backup") {
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
