package sqlite_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

// The tests that need a second process run this test binary again with
// childEnv naming what the child does (see TestMain), and the database in
// dbEnv.
const (
	childEnv = "TRAMITE_SQLITE_TEST_CHILD"
	dbEnv    = "TRAMITE_SQLITE_TEST_DB"
	argEnv   = "TRAMITE_SQLITE_TEST_ARG"
)

var crashKills = flag.Int("crash.kills", 20, "how many times TestCrash kills its child")

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role, os.Getenv(dbEnv), os.Getenv(argEnv)))
	}
	os.Exit(m.Run())
}

func runChild(role, path, arg string) int {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer s.Close()
	e, err := newEngine(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	switch role {
	case "fire":
		return childFire(ctx, e, strings.Fields(arg))
	case "numbers":
		n, _ := strconv.Atoi(arg)
		return childNumbers(ctx, s, n)
	case "crash":
		return childCrash(ctx, s, e)
	case "forward":
		_, err := e.Fire(ctx, procedure.FireRequest{CaseID: arg, Event: manual.EventForward, Actor: proceduretest.Jefe})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, "child: unknown role", role)
	return 2
}

// newEngine is proceduretest.NewEngine without a testing.TB, for children;
// its clock is the wall clock, so that two processes keep time together.
func newEngine(s procedure.Store) (*procedure.Engine, error) {
	sealer, err := procedure.NewAESSealer(proceduretest.Key)
	if err != nil {
		return nil, err
	}
	return procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()), procedure.WithSealer(sealer))
}

// childFire, for each case ID, says "ready", waits for a line on stdin and
// fires forward with the version the case had when the parent made it, then
// says the outcome: "ok" or the error code.
func childFire(ctx context.Context, e *procedure.Engine, ids []string) int {
	in := bufio.NewScanner(os.Stdin)
	for _, id := range ids {
		fmt.Println("ready")
		if !in.Scan() {
			return 1
		}
		_, err := e.Fire(ctx, procedure.FireRequest{CaseID: id, Event: manual.EventForward, Actor: proceduretest.Jefe, Version: 1})
		out := string(procedure.ErrorCode(err))
		if err == nil {
			out = "ok"
		}
		fmt.Println(out)
	}
	return 0
}

// childNumbers takes n numbers of one series, one transaction each, and
// prints them.
func childNumbers(ctx context.Context, s *sqlite.Store, n int) int {
	for i := 0; i < n; i++ {
		var got int
		if err := s.Update(ctx, func(tx procedure.Tx) (err error) { got, err = tx.NextNumber("INF", 2026); return }); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		fmt.Println(got)
	}
	return 0
}

// child runs this test binary as a child process of the given role.
func child(t *testing.T, role, db, arg string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+role, dbEnv+"="+db, argEnv+"="+arg)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestTwoProcessesFireOnOneCase has two processes fire the same event on
// the same cases at the same moment: on each case exactly one wins and the
// other gets ECONFLICT; nothing is lost or doubled.
func TestTwoProcessesFireOnOneCase(t *testing.T) {
	ctx := context.Background()
	s, path := mustOpen(t)
	e := proceduretest.NewEngine(t, s)
	var ids []string
	for i := 0; i < 8; i++ {
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
			Inputs: proceduretest.PR02Request(fmt.Sprintf("Carrera %d", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	type proc struct {
		cmd *exec.Cmd
		in  io.WriteCloser
		out *bufio.Scanner
	}
	var procs []proc
	for i := 0; i < 2; i++ {
		cmd := child(t, "fire", path, strings.Join(ids, " "))
		in, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, proc{cmd, in, bufio.NewScanner(out)})
	}
	read := func(p proc) string {
		if !p.out.Scan() {
			t.Fatalf("child ended early: %v", p.out.Err())
		}
		return p.out.Text()
	}
	for _, id := range ids {
		for _, p := range procs {
			if got := read(p); got != "ready" {
				t.Fatalf("child said %q", got)
			}
		}
		for _, p := range procs { // release both at once
			fmt.Fprintln(p.in)
		}
		outcomes := []string{read(procs[0]), read(procs[1])}
		slices.Sort(outcomes)
		if outcomes[0] != string(procedure.ECONFLICT) || outcomes[1] != "ok" {
			t.Fatalf("case %s: outcomes %v, want one ok and one %s", id, outcomes, procedure.ECONFLICT)
		}
		h, err := s.History(ctx, id)
		if err != nil || len(h) != 2 || procedure.VerifyChain(h) != nil {
			t.Fatalf("case %s: %d history entries (%v), want 2 in a valid chain", id, len(h), err)
		}
		c, _ := s.Case(ctx, id)
		if c.State != manual.StateForwarded || c.Version != 2 {
			t.Fatalf("case %s: %s, version %d", id, c.State, c.Version)
		}
		items, _ := s.Outbox(ctx, procedure.OutboxQuery{CaseID: id})
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.ID] {
				t.Fatalf("outbox item %s doubled", it.ID)
			}
			seen[it.ID] = true
		}
	}
	for _, p := range procs {
		p.in.Close()
		if err := p.cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTwoProcessesNumbersGapFree has two processes and this one take
// numbers of one series at once: together they get 1..N, each once.
func TestTwoProcessesNumbersGapFree(t *testing.T) {
	ctx := context.Background()
	s, path := mustOpen(t)
	const each = 40
	var mu sync.Mutex
	var got []int
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		cmd := child(t, "numbers", path, strconv.Itoa(each))
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				n, err := strconv.Atoi(sc.Text())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
			if err := cmd.Wait(); err != nil {
				t.Error(err)
			}
		}()
	}
	for i := 0; i < each; i++ {
		var n int
		if err := s.Update(ctx, func(tx procedure.Tx) (err error) { n, err = tx.NextNumber("INF", 2026); return }); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got = append(got, n)
		mu.Unlock()
	}
	wg.Wait()
	slices.Sort(got)
	for i, n := range got {
		if n != i+1 {
			t.Fatalf("numbers from three processes are not 1..%d without gaps or repeats: %v", 3*each, got)
		}
	}
	if len(got) != 3*each {
		t.Fatalf("%d numbers, want %d", len(got), 3*each)
	}
}

// childCrash fires transitions in a loop until it is killed, printing
// "<case> <version>" after each one the store acknowledged. It picks up the
// open cases a killed predecessor left.
func childCrash(ctx context.Context, s *sqlite.Store, e *procedure.Engine) int {
	w := bufio.NewWriter(os.Stdout)
	ack := func(c procedure.Case) {
		fmt.Fprintf(w, "%s %d\n", c.ID, c.Version)
		w.Flush()
	}
	for i := 0; ; i++ {
		open, err := s.Cases(ctx, procedure.CaseQuery{Open: true})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		if len(open) < 6 {
			req := procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request(fmt.Sprintf("Choque %d", i))}
			if i%2 == 0 {
				req = procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR01Request(fmt.Sprintf("Choque %d", i), "s3cr3t")}
			}
			c, err := e.Start(ctx, req)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 1
			}
			ack(c)
			continue
		}
		c := open[rand.IntN(len(open))]
		req := nextStep(c, rand.IntN(4) == 0)
		out, err := e.Fire(ctx, req)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		ack(out)
	}
}

// nextStep returns the request that moves c on along the manual's steps;
// observe sometimes sends it back for an observation round.
func nextStep(c procedure.Case, observe bool) procedure.FireRequest {
	req := procedure.FireRequest{CaseID: c.ID, Version: c.Version}
	switch c.State {
	case manual.StateRequested:
		req.Event, req.Actor = manual.EventForward, proceduretest.Jefe
	case manual.StateForwarded:
		req.Event, req.Actor, req.Inputs = manual.EventInstruct, proceduretest.Responsable, procedure.Inputs{"profesional": proceduretest.Profesional.ID}
	case manual.StateInstructed:
		req.Event, req.Actor = manual.EventStart, proceduretest.Profesional
	case manual.StateInProgress:
		if observe {
			req.Event, req.Actor, req.Inputs = manual.EventObserve, proceduretest.Profesional, procedure.Inputs{"observations": "Falta DB_HOST."}
			break
		}
		complexity := "alta"
		if c.Procedure == manual.CodePR01 {
			complexity = ""
		}
		req.Event, req.Actor, req.Inputs = manual.EventConclude, proceduretest.Profesional, proceduretest.Checklist(complexity)
	case manual.StateObserved:
		req.Event, req.Actor, req.Inputs = manual.EventComplete, proceduretest.Solicitante, procedure.Inputs{"answer": "DB_HOST=10.0.0.5"}
	case manual.StateReportSubmitted:
		req.Event, req.Actor = manual.EventApproveReport, proceduretest.Responsable
	case manual.StateReportApproved:
		req.Event, req.Actor, req.Inputs = manual.EventIssueMemo, proceduretest.Jefe, procedure.Inputs{"memo": "Concluido."}
	case manual.StateMemoIssued:
		req.Event, req.Actor = manual.EventAcknowledge, proceduretest.Solicitante
	}
	return req
}

// TestCrash kills a child firing transitions with SIGKILL at random
// moments, again and again (-crash.kills, 20 by default). After every kill
// the database passes integrity_check, every transition the child saw
// acknowledged is there, no case is half-transitioned (its version counts
// its history entries, its state is its last entry's, every outbox item
// belongs to an entry) and every history chain verifies.
func TestCrash(t *testing.T) {
	kills := *crashKills
	if testing.Short() {
		kills = min(kills, 5)
	}
	path := t.TempDir() + "/tramite.db"
	acked := map[string]int64{}
	total := 0
	for round := 0; round < kills; round++ {
		cmd := child(t, "crash", path, "")
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		first := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			for n := 0; sc.Scan(); n++ {
				if n == 0 {
					close(first)
				}
				id, v, _ := strings.Cut(sc.Text(), " ")
				version, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Errorf("child printed %q", sc.Text())
					continue
				}
				acked[id] = max(acked[id], version)
				total++
			}
		}()
		select { // kill at a random moment once the child is working
		case <-first:
			time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
		case <-time.After(30 * time.Second):
			t.Fatal("the child acknowledged nothing in 30 s")
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("the child was not killed but ended: %v", err)
		}
		verifyAfterCrash(t, path, acked)
	}
	t.Logf("%d kills, %d acknowledged transitions on %d cases", kills, total, len(acked))
}

func verifyAfterCrash(t *testing.T, path string, acked map[string]int64) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("check after a kill: %+v", r)
	}
	for id, v := range acked {
		c, err := s.Case(ctx, id)
		if err != nil {
			t.Fatalf("acknowledged case %s lost: %v", id, err)
		}
		if c.Version < v {
			t.Fatalf("case %s at version %d, but version %d was acknowledged", id, c.Version, v)
		}
	}
	cases, err := s.Cases(ctx, procedure.CaseQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		h, err := s.History(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(h)) != c.Version {
			t.Fatalf("case %s half-transitioned: version %d, %d history entries", c.ID, c.Version, len(h))
		}
	}
	var orphans int
	if err := sqlite.RawDB(s).QueryRowContext(ctx, `SELECT count(*) FROM outbox o
		WHERE NOT EXISTS (SELECT 1 FROM history h WHERE h.case_id = o.case_id AND h.seq = o.seq)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Fatalf("%d outbox items belong to no history entry", orphans)
	}
}
