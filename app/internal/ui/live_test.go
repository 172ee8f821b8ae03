package ui_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

func openSQLite(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.WithWatchInterval(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestInboxFollowsAnotherClient opens two stores on one SQLite file, as two
// desktop clients would: a request made through the second reaches the
// first one's inbox through the change feed, with nobody refreshing.
func TestInboxFollowsAnotherClient(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tramite.db")
	mine := openSQLite(t, path)
	e := newEnv(t, mine, mine)
	type seen struct {
		id    string
		count int
	}
	changes := make(chan seen, 16)
	a := test.NewTempApp(t)
	var u *ui.UI
	u = ui.New(a, e.svc, ui.Options{Live: true, OnChange: func(id string) {
		changes <- seen{id, u.Main.Inbox.Cases.Count} // runs where the screens are refreshed
	}})
	signIn(t, u, "carla")
	if u.Main.Inbox.Cases.Count != 0 {
		t.Fatal("carla's inbox is not empty")
	}

	other := openSQLite(t, path)
	oe := newEnv(t, other, other)
	c, err := oe.engine.Start(context.Background(), procedure.StartRequest{Procedure: manual.CodePR02,
		Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Portal de Trámites")})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(60 * time.Second)
	for {
		select {
		case s := <-changes:
			if s.id == c.ID && s.count == 1 {
				u.Close()
				return
			}
		case <-deadline:
			t.Fatal("the inbox did not follow the other client's request")
		}
	}
}

// TestInboxFollowsTheServer: two desks signed in to one server, the Jefe
// and a requester of another unit. A request filed by a third person
// reaches the Jefe's inbox through the server's event stream, with nobody
// refreshing; the requester of the other unit never hears of it.
func TestInboxFollowsTheServer(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), "tramite.db"))
	e := newEnv(t, db, db)
	client := e.served(t)
	changes := make(chan string, 16)
	heard := make(chan string, 16)
	a := test.NewTempApp(t)
	var jefe *ui.UI
	jefe = ui.New(a, client, ui.Options{Live: true, OnChange: func(id string) {
		if jefe.Main.Inbox.Cases.Count == 1 {
			changes <- id
		}
	}})
	defer jefe.Close()
	signIn(t, jefe, "carla")
	other := ui.New(a, client, ui.Options{Live: true, OnChange: func(id string) { heard <- id }})
	defer other.Close()
	signIn(t, other, "bruno")

	ana, err := client.SignIn(context.Background(), "ana", desk.DemoPassword("ana"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ana.Start(context.Background(), manual.CodePR02, proceduretest.PR02Request("Portal de Trámites"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-changes:
		if id != c.ID && id != "" {
			t.Fatalf("the jefe heard of %s, want %s", id, c.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the jefe's inbox did not follow the request through the server")
	}
	// The event reached the jefe; the other unit's requester had as long.
	select {
	case id := <-heard:
		t.Fatalf("a requester of another unit heard of case %q", id)
	case <-time.After(500 * time.Millisecond):
	}
}
