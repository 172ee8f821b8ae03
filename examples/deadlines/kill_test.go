package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// The killed process is this test binary run again with childEnv naming
// the directory of its database.
const childEnv = "TRAMITE_DEADLINES_TEST_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

// child escalates the late steps of the database in dir, says how many on
// its standard output, and waits to be killed without sending anything.
func child(dir string) int {
	ctx := context.Background()
	clk := &clock{t: at("2026-12-28 08:30")}
	d, err := open(ctx, dir, manual.ExampleDeadlines(), "La Paz", clk)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	n, err := d.engine.Escalate(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	fmt.Printf("escalated %d\n", n)
	time.Sleep(time.Hour) // killed here, before any dispatcher runs
	return 0
}

// TestKilledProcess: a process escalates a late step and is killed
// (SIGKILL) before it sends anything; the next process sends the reminder
// and the notice once, and a third sends nothing more.
func TestKilledProcess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, clk, c := startForwarded(t, dir)
	if err := d.close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Scan()
		line <- sc.Text()
	}()
	select {
	case l := <-line:
		if l != "escalated 1" {
			cmd.Process.Kill()
			t.Fatalf("the child said %q, want \"escalated 1\"", l)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child said nothing")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the child ended with %v, want killed", err)
	}
	if got := sent(t, dir); len(got) != 0 {
		t.Fatalf("emails sent by the killed process: %v", got)
	}
	clk.set(at("2026-12-28 09:00"))
	for i := range 2 {
		d, err := open(ctx, dir, manual.ExampleDeadlines(), "La Paz", clk)
		if err != nil {
			t.Fatal(err)
		}
		n, _, err := d.sweep(ctx, clk)
		d.close()
		if err != nil || n != 0 {
			t.Fatalf("restart %d: escalated %d (%v), want 0", i+1, n, err)
		}
		got := sent(t, dir)
		if got[c.ID+" recordatorio-plazo"] != 1 || got[c.ID+" aviso-plazo"] != 1 {
			t.Errorf("restart %d: emails %v, want one reminder and one notice", i+1, got)
		}
	}
	h, err := func() ([]procedure.Entry, error) {
		d, err := open(ctx, dir, manual.ExampleDeadlines(), "La Paz", clk)
		if err != nil {
			return nil, err
		}
		defer d.close()
		return d.engine.History(ctx, people["carla"], c.ID)
	}()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range h {
		if e.Event == procedure.ActionDeadline {
			n++
		}
	}
	if n != 1 || procedure.VerifyChain(h) != nil {
		t.Errorf("%d escalation entries (chain: %v), want 1", n, procedure.VerifyChain(h))
	}
}
