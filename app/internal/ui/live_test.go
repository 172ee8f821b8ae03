package ui_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
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
	c, err := oe.engine.Start(context.Background(), procedure.StartRequest{Procedure: procedure.CodePR02,
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
