package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/server"
	"github.com/tramite/tramite/storage/sqlite"
)

// ExampleNew mounts the API beside a program's own pages, on one SQLite
// store that is also the directory of people, the record of sessions and
// the change feed; then a desk signs in and reads its inbox.
func ExampleNew() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "tramite-server-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(ctx, filepath.Join(dir, "tramite.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	key, err := procedure.LoadKey(filepath.Join(dir, "tramite.key"))
	if err != nil {
		log.Fatal(err)
	}
	sealer, err := procedure.NewAESSealer(key)
	if err != nil {
		log.Fatal(err)
	}
	engine, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(store), procedure.WithSealer(sealer))
	if err != nil {
		log.Fatal(err)
	}

	// A local account. (Cost 4 keeps the example quick; use
	// bcrypt.DefaultCost or more.)
	ana := procedure.Actor{ID: "ana", Name: "Ana Quispe", Email: "ana@example.gob.bo", Unit: "Unidad de Desarrollo",
		Grants: []procedure.Grant{{Role: manual.RoleSolicitante}}}
	hash, _ := bcrypt.GenerateFromPassword([]byte("una clave larga y propia"), bcrypt.MinCost)
	if err := store.SaveActor(ctx, ana); err != nil {
		log.Fatal(err)
	}
	if err := store.SetPasswordHash(ctx, ana.ID, hash); err != nil {
		log.Fatal(err)
	}

	srv, err := server.New(server.Config{Engine: engine, Store: store, People: store, Sessions: store, Feed: store})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	mux := http.NewServeMux()
	mux.Handle("/api/", srv.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "Servidor de trámites") })
	web := httptest.NewServer(mux) // a program runs an http.Server with mux instead
	defer web.Close()

	// A desk signs in…
	resp, err := http.Post(web.URL+"/api/v1/session", "application/json",
		strings.NewReader(`{"username":"ana","password":"una clave larga y propia"}`))
	if err != nil {
		log.Fatal(err)
	}
	var session struct {
		Token    string          `json:"token"`
		Actor    procedure.Actor `json:"actor"`
		CanStart []string        `json:"can_start"`
	}
	err = json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, session.Actor.Name, session.CanStart)

	// …and reads its inbox with the token.
	req, _ := http.NewRequest("GET", web.URL+"/api/v1/inbox", nil)
	req.Header.Set("Authorization", "Bearer "+session.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output:
	// 201 Ana Quispe [UIT/ASS-PR01 UIT/ASS-PR02]
	// 200 {"cases":[],"total":0}
}
