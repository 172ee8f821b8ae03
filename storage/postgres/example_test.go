package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/storage/postgres"
)

// Open a unit's shared database, run the engine on it and follow the
// changes other desks make. The URL comes from TRAMITE_DATABASE_URL, for
// example postgres://tramite@db.uit.example.bo:5432/tramite?sslmode=verify-full.
func ExampleOpen() {
	url := os.Getenv("TRAMITE_DATABASE_URL")
	if url == "" {
		return
	}
	ctx := context.Background()
	store, err := postgres.Open(ctx, url)
	if err != nil {
		log.Fatal(procedure.ErrorMessage(err))
	}
	defer store.Close()
	engine, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(store))
	if err != nil {
		log.Fatal(err)
	}
	_ = engine

	watchCtx, stop := context.WithCancel(ctx)
	defer stop()
	changed, err := store.Watch(watchCtx)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for id := range changed {
			fmt.Println("refresh the inbox: case", id, "changed")
		}
	}()
}
