package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage"
	"github.com/tramite/tramite/storage/postgres/pgtest"
)

// sealingKey writes a sealing key file for replicas to share.
func sealingKey(t testing.TB) string {
	t.Helper()
	k := make([]byte, 32)
	rand.Read(k)
	return writeFile(t, "sealing.key", base64.StdEncoding.EncodeToString(k)+"\n", 0o600)
}

// replicas starts n servers on one new PostgreSQL database with one
// sealing key; the first saves the demo people. It returns them and the
// database URL.
func replicas(t testing.TB, n int, vars ...string) ([]*proc, string) {
	t.Helper()
	db := pgtest.Database(t)
	vars = append([]string{"TRAMITE_DATABASE_URL=" + db, "TRAMITE_SEALING_KEY_FILE=" + sealingKey(t)}, vars...)
	var ps []*proc
	for i := range n {
		var args []string
		if i == 0 {
			args = []string{"-demo"}
		}
		ps = append(ps, start(t, t.TempDir(), vars, args...))
	}
	return ps, db
}

func TestPostgreSQLNeedsTheSealingKey(t *testing.T) {
	db := pgtest.Database(t)
	missing := filepath.Join(t.TempDir(), "sealing.key")
	stderr, err := runToExit(t, t.TempDir(), []string{"TRAMITE_DATABASE_URL=" + db, "TRAMITE_SEALING_KEY_FILE=" + missing})
	if err == nil {
		t.Fatal("the server made its own sealing key on PostgreSQL")
	}
	if !strings.Contains(stderr, missing) || !strings.Contains(stderr, "todas las réplicas") {
		t.Fatalf("the error does not say which key and why:\n%s", stderr)
	}
}

// TestTwoReplicas runs two servers on one PostgreSQL database: a session
// made on one is valid on the other, a step fired through one reaches the
// other's event stream within a second, and the documents the outbox
// asks for are rendered once each although both replicas run a processor.
func TestTwoReplicas(t *testing.T) {
	ps, db := replicas(t, 2, "TRAMITE_LOG_LEVEL=debug")
	a, b := ps[0], ps[1]
	for _, p := range ps {
		resp, err := http.Get(p.base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s/healthz: %d", p.base, resp.StatusCode)
		}
	}
	people := []string{"ana", "carla", "elena", "fabio"}
	on := map[*proc]map[string]*client{}
	for _, p := range ps {
		on[p] = map[string]*client{}
		for _, id := range people {
			on[p][id] = signIn(t, plainClient, p.base, id)
		}
	}
	// A session made on A is valid on B.
	moved := &client{t: t, http: plainClient, base: b.base, token: on[a]["ana"].token}
	if st := moved.call(http.MethodGet, "/api/v1/session", nil, nil); st != http.StatusOK {
		t.Fatalf("A's session on B: status %d", st)
	}

	// A step fired through A reaches B's stream within a second.
	stream := on[b]["ana"].events()
	cs := on[a]["ana"].startPR01("Sistema de Correspondencia", "clave")
	stream.expect(t, cs.ID, time.Second)
	cs = on[a]["carla"].fire(cs, manual.EventForward, nil)
	took := stream.expect(t, cs.ID, time.Second)
	t.Logf("a step fired on A reached B's event stream %s after A answered", took.Round(time.Microsecond))

	// Ten cases walked through the nine steps, every step on the other
	// replica than the one before.
	const cases = 10
	var ids []string
	for i := range cases {
		at := ps[i%2]
		next := func() *proc { at = ps[(indexOf(ps, at)+1)%2]; return at }
		c := on[at]["ana"].startPR01(fmt.Sprintf("Sistema %02d", i), "clave")
		c = on[next()]["carla"].fire(c, manual.EventForward, nil)
		c = on[next()]["elena"].fire(c, manual.EventInstruct, procedure.Inputs{"profesional": "fabio"})
		c = on[next()]["fabio"].fire(c, manual.EventStart, nil)
		c = on[next()]["fabio"].fire(c, manual.EventConclude, proceduretest.Checklist(""))
		c = on[next()]["elena"].fire(c, manual.EventApproveReport, nil)
		c = on[next()]["carla"].fire(c, manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la conclusión."})
		c = on[next()]["ana"].fire(c, manual.EventAcknowledge, nil)
		ids = append(ids, c.ID)
	}

	ctx := context.Background()
	store, err := storage.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var items []procedure.OutboxItem
	deadline := time.Now().Add(2 * time.Minute)
	for {
		items, err = store.Outbox(ctx, procedure.OutboxQuery{Kind: procedure.EffectDocument})
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, it := range items {
			if it.Status == procedure.OutboxPending {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d documents still pending after two minutes", pending, len(items))
		}
		time.Sleep(200 * time.Millisecond)
	}
	want := 0
	for _, it := range items {
		if it.Status != procedure.OutboxSent {
			t.Errorf("document %s: %s (%s)", it.ID, it.Status, it.LastError)
		}
		want++
	}
	versions := 0
	for _, id := range append(ids, cs.ID) {
		docs, err := store.Documents(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		versions += len(docs)
	}
	if versions != want {
		t.Fatalf("%d document versions for %d queued documents: some rendered twice or not at all", versions, want)
	}
	if want < cases*6 {
		t.Fatalf("only %d documents queued", want)
	}
	byA, byB := len(a.log.lines("document rendered")), len(b.log.lines("document rendered"))
	if byA+byB != want {
		t.Errorf("the replicas logged %d + %d renders for %d documents", byA, byB, want)
	}
	t.Logf("%d documents, each rendered once: %d by replica A, %d by replica B", want, byA, byB)
}

func indexOf(ps []*proc, p *proc) int {
	for i := range ps {
		if ps[i] == p {
			return i
		}
	}
	return -1
}
