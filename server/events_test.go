package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/server"
)

// sseItem is one thing an event stream said: a case event, a comment or
// its retry line.
type sseItem struct {
	kind string // "case", "comment" or "retry"
	data string // the case ID, the comment or the retry
}

// stream is an open GET /events read in the background.
type stream struct {
	items  chan sseItem
	cancel context.CancelFunc
}

func (c *client) stream(t *testing.T) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.e.url+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.e.ts.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		cancel()
		t.Fatalf("GET /events as %s: %d %s", c.actor.ID, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{items: make(chan sseItem, 100), cancel: cancel}
	go func() {
		defer resp.Body.Close()
		defer close(s.items)
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "retry: "):
				s.items <- sseItem{"retry", strings.TrimPrefix(line, "retry: ")}
			case strings.HasPrefix(line, ": "):
				s.items <- sseItem{"comment", strings.TrimPrefix(line, ": ")}
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				var ev struct {
					ID string `json:"id"`
				}
				if event != "case" || json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev) != nil {
					s.items <- sseItem{"bad", line}
					continue
				}
				s.items <- sseItem{"case", ev.ID}
			}
		}
	}()
	t.Cleanup(cancel)
	if it := s.next(t, time.Second); it.kind != "retry" || it.data != "2000" {
		t.Fatalf("the stream began with %+v", it)
	}
	return s
}

// next returns the next item, or kind "closed" or "timeout".
func (s *stream) next(t *testing.T, within time.Duration) sseItem {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case it, ok := <-s.items:
		if !ok {
			return sseItem{kind: "closed"}
		}
		return it
	case <-timer.C:
		return sseItem{kind: "timeout"}
	}
}

// nextCase skips comments and returns the next case ID, "closed" or
// "timeout".
func (s *stream) nextCase(t *testing.T, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		it := s.next(t, time.Until(deadline))
		switch it.kind {
		case "comment":
			continue
		case "case":
			return it.data
		default:
			return it.kind
		}
	}
}

// countingFeed counts watches and the IDs they deliver.
type countingFeed struct {
	procedure.ChangeFeed
	watches, ids atomic.Int64
}

func (f *countingFeed) Watch(ctx context.Context) (<-chan string, error) {
	f.watches.Add(1)
	in, err := f.ChangeFeed.Watch(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan string)
	go func() {
		defer close(out)
		for id := range in {
			f.ids.Add(1)
			select {
			case out <- id:
			case <-ctx.Done():
			}
		}
	}()
	return out, nil
}

// countingStore counts the cases the server reads.
type countingStore struct {
	procedure.Store
	reads atomic.Int64
}

func (s *countingStore) Case(ctx context.Context, id string) (procedure.Case, error) {
	s.reads.Add(1)
	return s.Store.Case(ctx, id)
}

// TestEvents: two requesters of two units and the Jefe follow one server's
// stream; a step on a case reaches the streams of those who may see it
// within a second, and never another unit's; one watch feeds all streams
// and each change is read once; a sign-out ends its stream, and closing
// the Server ends the rest.
func TestEvents(t *testing.T) {
	feed := &countingFeed{}
	store := &countingStore{}
	e := newEnv(t, func(c *server.Config) {
		feed.ChangeFeed, c.Feed = c.Feed, feed
		store.Store, c.Store = c.Store, store
	})
	caseA := e.inProgress(proceduretest.UnitDesarrollo, "Portal A")
	caseB := e.inProgress(proceduretest.UnitGobierno, "Portal B")
	ana, bruno, jefe := e.signIn(proceduretest.Solicitante), e.signIn(proceduretest.Solicitante2), e.signIn(proceduretest.Jefe)
	fabio := e.signIn(proceduretest.Profesional)
	sa, sb, sj := ana.stream(t), bruno.stream(t), jefe.stream(t)
	observe := map[string]any{"inputs": map[string]string{"observations": "Falta la variable DB_HOST."}}

	start := time.Now()
	fabio.json("POST", "/cases/"+caseA.ID+"/events/observe", observe, 200, nil)
	if got := sa.nextCase(t, time.Second); got != caseA.ID {
		t.Fatalf("A's stream: %s, want %s", got, caseA.ID)
	}
	t.Logf("a step reached its stream in %v", time.Since(start))
	if got := sj.nextCase(t, time.Second); got != caseA.ID {
		t.Fatalf("the Jefe's stream: %s, want %s", got, caseA.ID)
	}
	fabio.json("POST", "/cases/"+caseB.ID+"/events/observe", observe, 200, nil)
	if got := sb.nextCase(t, time.Second); got != caseB.ID {
		t.Fatalf("B's stream: %s, want %s (and never %s)", got, caseB.ID, caseA.ID)
	}
	if got := sj.nextCase(t, time.Second); got != caseB.ID {
		t.Fatalf("the Jefe's stream: %s, want %s", got, caseB.ID)
	}
	ana.json("POST", "/cases/"+caseA.ID+"/events/complete", map[string]any{"inputs": map[string]string{"answer": "DB_HOST=10.0.0.5"}}, 200, nil)
	if got := sa.nextCase(t, time.Second); got != caseA.ID {
		t.Fatalf("A's stream: %s, want %s (and never %s)", got, caseA.ID, caseB.ID)
	}
	if got := sj.nextCase(t, time.Second); got != caseA.ID {
		t.Fatalf("the Jefe's stream: %s", got)
	}
	if got := sb.nextCase(t, 200*time.Millisecond); got != "timeout" {
		t.Fatalf("B's stream said %s of A's case", got)
	}
	if n := feed.watches.Load(); n != 1 {
		t.Errorf("%d watches for three streams, want 1", n)
	}
	if reads, ids := store.reads.Load(), feed.ids.Load(); reads != ids {
		t.Errorf("%d case reads for %d changes (three streams)", reads, ids)
	}

	// A sign-out ends its session's stream at once.
	bruno.json("DELETE", "/session", nil, 204, nil)
	if got := sb.nextCase(t, time.Second); got != "closed" {
		t.Errorf("after sign-out B's stream: %s", got)
	}
	// Closing the Server ends every stream, and no new one opens.
	done := make(chan struct{})
	go func() { e.srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return")
	}
	for name, s := range map[string]*stream{"A": sa, "Jefe": sj} {
		if got := s.nextCase(t, time.Second); got != "closed" {
			t.Errorf("after Close %s's stream: %s", name, got)
		}
	}
	if ans := ana.call("GET", "/events", nil); ans.status != 503 || ans.err(t).Error.Code != "unavailable" {
		t.Errorf("GET /events after Close: %d %s", ans.status, ans.body)
	}
	ana.json("GET", "/inbox", nil, 200, nil) // the rest of the API still answers
}

// TestEventsKeepalive: keepalives come on time; at each one the session is
// checked again, so an idle or revoked session ends its stream.
func TestEventsKeepalive(t *testing.T) {
	e := newEnv(t)
	server.SetKeepalive(e.srv, 50*time.Millisecond)
	ana := e.signIn(proceduretest.Solicitante)
	s := ana.stream(t)
	for range 2 {
		if it := s.next(t, time.Second); it.kind != "comment" || it.data != "keepalive" {
			t.Fatalf("want a keepalive, got %+v", it)
		}
	}
	e.clock.Add(server.DefaultIdleTimeout + time.Minute)
	if got := s.nextCase(t, time.Second); got != "closed" {
		t.Errorf("an idle session's stream: %s", got)
	}

	gina := e.signIn(proceduretest.Profesional2)
	s = gina.stream(t)
	promoted := proceduretest.Profesional2
	promoted.Grants = []procedure.Grant{{Role: manual.RoleResponsableSS}}
	if err := e.store.SaveActor(context.Background(), promoted); err != nil {
		t.Fatal(err)
	}
	if got := s.nextCase(t, time.Second); got != "closed" {
		t.Errorf("a revoked session's stream: %s", got)
	}
}

// TestEventsWithoutFeed: without a ChangeFeed, GET /events answers 503.
func TestEventsWithoutFeed(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.Feed = nil })
	ana := e.signIn(proceduretest.Solicitante)
	if ans := ana.call("GET", "/events", nil); ans.status != 503 || ans.err(t).Error.Code != "unavailable" {
		t.Errorf("GET /events without a feed: %d %s", ans.status, ans.body)
	}
}
