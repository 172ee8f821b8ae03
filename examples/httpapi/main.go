// Command httpapi embeds the tramite engine in a small net/http JSON
// service: start a case, fire an event, read an inbox, a history and the
// documents. Each request carries a bearer token mapped to an actor.
//
//	go run ./examples/httpapi -addr 127.0.0.1:8080
//	curl -H 'Authorization: Bearer token-carla' localhost:8080/inbox
//
// Without -db the cases live in memory; -db (or TRAMITE_DATABASE_URL) keeps
// them in a SQLite file or a shared PostgreSQL database, with the sealing
// key in the file -key names (created 0600 on first run).
//
// Routes:
//
//	GET  /procedures                     the definitions
//	POST /cases                          {"procedure","inputs","comment"} -> 201 case
//	GET  /cases/{id}                     the case and the caller's actions
//	POST /cases/{id}/events/{event}      {"inputs","comment","version"} -> case
//	GET  /cases/{id}/history             the hash-chained history
//	GET  /cases/{id}/documents           document versions (no content)
//	GET  /cases/{id}/documents/{topic}   the latest PDF (?version=N)
//	GET  /inbox?limit=&offset=           cases waiting for the caller
//
// Errors are JSON {"code","message","problems"} with 400 invalid_input,
// 401 unauthorized, 403 forbidden, 404 not_found, 409 conflict,
// 422 invalid_transition and 500 internal.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage"
)

// demoTokens maps a demo bearer token to each demo actor: token-<id>.
func demoTokens() map[string]procedure.Actor {
	m := map[string]procedure.Actor{}
	for _, a := range proceduretest.Actors() {
		m["token-"+a.ID] = a
	}
	return m
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	db := flag.String("db", "", "database: a SQLite file or a postgres:// URL (default $TRAMITE_DATABASE_URL, else in memory)")
	keyFile := flag.String("key", "tramite.key", "sealing key file, with -db")
	flag.Parse()
	if err := run(*addr, storage.TargetFromEnv(*db, ""), *keyFile); err != nil {
		fmt.Fprintln(os.Stderr, "httpapi:", err)
		os.Exit(1)
	}
}

// newEngine returns the engine on the target database, or in memory when
// target is empty, with the demo people in its directory.
func newEngine(ctx context.Context, target, keyFile string, log *slog.Logger) (*procedure.Engine, func() error, error) {
	if target == "" {
		// The cases live in memory, so a fresh random key per run is enough.
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, nil, err
		}
		sealer, err := procedure.NewAESSealer(key)
		if err != nil {
			return nil, nil, err
		}
		e, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDirectory(proceduretest.Directory()),
			procedure.WithSealer(sealer), procedure.WithLogger(log))
		return e, func() error { return nil }, err
	}
	key, err := procedure.LoadKey(keyFile)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := procedure.NewAESSealer(key)
	if err != nil {
		return nil, nil, err
	}
	db, err := storage.Open(ctx, target)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range proceduretest.Actors() {
		if err := db.SaveActor(ctx, a); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	e, err := procedure.NewEngine(db, procedure.WithDirectory(db), procedure.WithSealer(sealer), procedure.WithLogger(log))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return e, db.Close, nil
}

func run(addr, target, keyFile string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	e, closeDB, err := newEngine(ctx, target, keyFile, log)
	if err != nil {
		return err
	}
	defer closeDB()
	srv := &http.Server{Addr: addr, Handler: newHandler(e, demoTokens()), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("listening", "addr", addr, "database", storage.Describe(target))
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
