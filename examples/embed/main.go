// Command embed is the smallest program that embeds tramite: a SQLite store,
// a sealing key, the engine, and one PR02 request. README.md shows this file.
package main

import (
	"context"
	"fmt"
	"log"
	"path/filepath"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/storage/sqlite"
)

func main() {
	if err := run(context.Background(), "."); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, dir string) error {
	store, err := sqlite.Open(ctx, filepath.Join(dir, "tramite.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	key, err := procedure.LoadKey(filepath.Join(dir, "tramite.key")) // created 0600 on first run
	if err != nil {
		return err
	}
	sealer, err := procedure.NewAESSealer(key)
	if err != nil {
		return err
	}
	engine, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(store), procedure.WithSealer(sealer))
	if err != nil {
		return err
	}
	ana := procedure.Actor{ID: "ana", Name: "Ana Quispe", Email: "ana@example.gob.bo", Unit: "Unidad de Desarrollo",
		Grants: []procedure.Grant{{Role: manual.RoleSolicitante}}}
	if err := store.SaveActor(ctx, ana); err != nil {
		return err
	}
	c, err := engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: ana, Inputs: procedure.Inputs{
		"system": "Portal de Trámites", "description": "Actualización a la versión 2.1", "unit": "Unidad de Desarrollo"}})
	if err != nil {
		return fmt.Errorf("%s (%s)", procedure.ErrorMessage(err), procedure.ErrorCode(err))
	}
	d, err := engine.Definition(c.Procedure)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s, espera al paso %d de %d (%s)\n", c.ID, d.StateLabel(c.State), c.Step, len(d.Steps), d.RoleLabel(c.WaitingRole))
	return nil
}
