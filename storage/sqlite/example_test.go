package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "tramite-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := sqlite.Open(ctx, filepath.Join(dir, "tramite.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(proceduretest.NewClock()))
	if err != nil {
		log.Fatal(err)
	}
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Portal de Trámites")})
	if err != nil {
		log.Fatal(err)
	}
	inbox, err := e.Inbox(ctx, proceduretest.Jefe, 50, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.ID, c.State, "waits for", c.WaitingRole)
	fmt.Println("inbox of the jefe:", len(inbox), inbox[0].System)
	r, err := s.Check(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("check:", r.OK(), r.Cases, "case,", r.Entries, "entry")
	// Output:
	// PR02-2026-0001 requested waits for jefe_uit
	// inbox of the jefe: 1 Portal de Trámites
	// check: true 1 case, 1 entry
}
