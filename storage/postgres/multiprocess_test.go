package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/postgres"
)

// The second engine process is this test binary run again with these
// variables set: childEnv holds the database URL, casesEnv the case IDs.
const (
	childEnv = "TRAMITE_PG_TEST_CHILD"
	casesEnv = "TRAMITE_PG_TEST_CASES"
)

// claimNow is the dispatchers' clock in the race: after every item is due.
var claimNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		os.Exit(runChild(url, strings.Split(os.Getenv(casesEnv), ",")))
	}
	os.Exit(m.Run())
}

func newEngine(s procedure.Store) (*procedure.Engine, error) {
	sealer, err := procedure.NewAESSealer(proceduretest.Key)
	if err != nil {
		return nil, err
	}
	return procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(proceduretest.NewClock()),
		procedure.WithSealer(sealer))
}

// fireAll fires forward on every case at version 1, four at a time, and
// reports each outcome: "won", "lost" (ECONFLICT) or the unexpected error.
func fireAll(ctx context.Context, e *procedure.Engine, ids []string, report func(id, outcome string)) {
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				_, err := e.Fire(ctx, procedure.FireRequest{CaseID: id, Event: manual.EventForward, Actor: proceduretest.Jefe, Version: 1})
				switch procedure.ErrorCode(err) {
				case "":
					report(id, "won")
				case procedure.ECONFLICT:
					report(id, "lost")
				default:
					report(id, "error:"+strings.ReplaceAll(err.Error(), "\n", " "))
				}
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
}

// dispatch claims emails, a few at a time, and marks each sent, until none
// is left; it reports every item it sent.
func dispatch(ctx context.Context, s procedure.Store, owner string, sent func(id string)) error {
	for {
		items, err := s.ClaimOutbox(ctx, procedure.EffectEmail, owner, claimNow, claimNow.Add(time.Hour), 3)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		for _, it := range items {
			it.Status, it.Attempts, it.UpdatedAt = procedure.OutboxSent, it.Attempts+1, claimNow
			if err := s.UpdateOutbox(ctx, it); err != nil {
				return err
			}
			sent(it.ID)
		}
	}
}

// hearAll waits until feed has named every case in ids.
func hearAll(ctx context.Context, feed <-chan string, ids []string) int {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for len(want) > 0 {
		select {
		case id, ok := <-feed:
			if !ok {
				return len(ids) - len(want)
			}
			delete(want, id)
		case <-ctx.Done():
			return len(ids) - len(want)
		}
	}
	return len(ids)
}

// runChild is the second process: it answers the parent's commands on
// stdin ("fire", "claim") with lines on stdout.
func runChild(url string, ids []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := postgres.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return 1
	}
	defer s.Close()
	e, err := newEngine(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child engine:", err)
		return 1
	}
	feed, err := s.Watch(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child watch:", err)
		return 1
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	say("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "fire":
			fireAll(ctx, e, ids, func(id, outcome string) { say("%s %s", outcome, id) })
			say("fired")
		case "claim":
			if err := dispatch(ctx, s, "child", func(id string) { say("sent %s", id) }); err != nil {
				say("error:claim %v", err)
			}
			say("claimed")
		case "hear":
			say("heard %d", hearAll(ctx, feed, ids))
			return 0
		}
	}
	return 1
}

// Two engine processes on one database race on the same cases and the same
// outbox: exactly one wins each step, each email goes once, and each
// process hears every change.
func TestTwoProcesses(t *testing.T) {
	s, dbURL := mustOpen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := newEngine(s)
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	var ids []string
	for i := 0; i < n; i++ {
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
			Inputs: proceduretest.PR02Request(fmt.Sprintf("Carrera %d", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	feed, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dbURL, casesEnv+"="+strings.Join(ids, ","))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait() //nolint:errcheck // checked below; this only reaps on failure
	lines := bufio.NewScanner(stdout)
	// until reads the child's lines up to the one equal to (or starting
	// with) end, and returns those before it.
	until := func(end string) ([]string, string) {
		t.Helper()
		var got []string
		for lines.Scan() {
			l := lines.Text()
			if strings.HasPrefix(l, end) {
				return got, l
			}
			if strings.HasPrefix(l, "error:") {
				t.Fatalf("child: %s", l)
			}
			got = append(got, l)
		}
		t.Fatalf("the child stopped before %q: %v", end, lines.Err())
		return nil, ""
	}
	send := func(cmd string) {
		t.Helper()
		if _, err := io.WriteString(stdin, cmd+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	until("ready")

	// Both fire forward on every case at once.
	wins := map[string]int{}
	var mu sync.Mutex
	send("fire")
	fireAll(ctx, e, ids, func(id, outcome string) {
		mu.Lock()
		defer mu.Unlock()
		switch outcome {
		case "won":
			wins[id]++
		case "lost":
		default:
			t.Errorf("parent fire on %s: %s", id, outcome)
		}
	})
	childFires, _ := until("fired")
	childWins := 0
	for _, l := range childFires {
		outcome, id, _ := strings.Cut(l, " ")
		if outcome == "won" {
			wins[id]++
			childWins++
		}
	}
	for _, id := range ids {
		if wins[id] != 1 {
			t.Errorf("case %s: %d wins, want exactly 1", id, wins[id])
		}
		if h, _ := s.History(ctx, id); len(h) != 2 {
			t.Errorf("case %s has %d history entries, want 2", id, len(h))
		}
	}
	t.Logf("the child won %d of %d cases", childWins, n)

	// Both dispatch the outbox at once.
	sentBy := map[string][]string{}
	send("claim")
	if err := dispatch(ctx, s, "parent", func(id string) { sentBy[id] = append(sentBy[id], "parent") }); err != nil {
		t.Fatal(err)
	}
	childSent, _ := until("claimed")
	for _, l := range childSent {
		if id, ok := strings.CutPrefix(l, "sent "); ok {
			sentBy[id] = append(sentBy[id], "child")
		}
	}
	emails, err := s.Outbox(ctx, procedure.OutboxQuery{Kind: procedure.EffectEmail})
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 2*n {
		t.Fatalf("%d emails queued, want %d (one per start, one per forward)", len(emails), 2*n)
	}
	for _, it := range emails {
		if len(sentBy[it.ID]) != 1 || it.Status != procedure.OutboxSent {
			t.Errorf("email %s sent by %v, status %s; want once", it.ID, sentBy[it.ID], it.Status)
		}
	}

	// Both heard every case change.
	send("hear")
	if got := hearAll(ctx, feed, ids); got != n {
		t.Errorf("the parent heard %d of %d changed cases", got, n)
	}
	_, heard := until("heard")
	if heard != fmt.Sprintf("heard %d", n) {
		t.Errorf("the child: %q, want heard %d", heard, n)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
}
