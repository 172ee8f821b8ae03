package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite/sqlitetest"
)

// listingEnv is a server on n PR02 requests of the two demo units, one in
// ten assigned to the demo profesional, each with its request's history
// entry and outbox items (sqlitetest, in bulk).
func listingEnv(tb testing.TB, n int) *env {
	tb.Helper()
	e := newEnv(tb)
	profs := []string{proceduretest.Profesional.ID}
	for i := 1; i < 10; i++ {
		profs = append(profs, fmt.Sprintf("profesional-%d", i))
	}
	seed := sqlitetest.Seed{N: n, Procedure: manual.CodePR02, Units: []string{proceduretest.UnitDesarrollo, proceduretest.UnitGobierno},
		Profesionales: profs, Requests: true}
	if err := sqlitetest.FillFile(context.Background(), e.path, seed); err != nil {
		tb.Fatal(err)
	}
	return e
}

// listings are the listing requests of the desks, each by someone who
// lists so, with a page every database of listingEnv fills (100 cases
// have 5 waiting for the Jefe and 2 for the requester of one unit).
var listings = []struct {
	name string
	as   procedure.Actor
	path string
	rows int
}{
	{"cases", proceduretest.Jefe, "/cases?limit=20", 20},
	{"cases of a state", proceduretest.Jefe, "/cases?state=closed&limit=20", 20},
	{"cases of a unit", proceduretest.Solicitante, "/cases?limit=20", 20},
	{"inbox of the jefe", proceduretest.Jefe, "/inbox?limit=5", 5},
	{"inbox of a requester", proceduretest.Solicitante, "/inbox?limit=2", 2},
	{"outbox", proceduretest.Jefe, "/outbox?kind=email&newest=true&limit=20", 20},
}

// perRequest returns the bytes the process allocates, on average, for a
// request of path by c (client and server both), and checks its page.
func perRequest(tb testing.TB, c *client, path string, rows, times int) uint64 {
	tb.Helper()
	get := func() {
		ans := c.call("GET", path, nil)
		if ans.status != 200 {
			tb.Fatalf("GET %s: %d %s", path, ans.status, ans.body)
		}
		var page struct {
			Cases []json.RawMessage `json:"cases"`
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(ans.body, &page); err != nil {
			tb.Fatal(err)
		}
		if got := len(page.Cases) + len(page.Items); got != rows {
			tb.Fatalf("GET %s: %d rows, want %d", path, got, rows)
		}
	}
	get() // warm: statements prepared, connections open
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range times {
		get()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(times)
}

// TestListingAllocatesForItsPage requests a page of every listing on 100
// and on 1,000 cases: a request allocates for the page it returns, within
// 1.2x, not for the listing behind it.
func TestListingAllocatesForItsPage(t *testing.T) {
	small, big := listingEnv(t, 100), listingEnv(t, 1_000)
	for _, l := range listings {
		t.Run(l.name, func(t *testing.T) {
			a := perRequest(t, small.signIn(l.as), l.path, l.rows, 20)
			b := perRequest(t, big.signIn(l.as), l.path, l.rows, 20)
			t.Logf("%d bytes a request on 100 cases, %d on 1,000", a, b)
			if float64(b) > 1.2*float64(a) {
				t.Errorf("GET %s allocates %d bytes on 1,000 cases, %d on 100", l.path, b, a)
			}
		})
	}
}

// BenchmarkListing requests a page of every listing on 100 and on 100,000
// cases; B/op counts the client's allocations and the server's.
func BenchmarkListing(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		e := listingEnv(b, n)
		for _, l := range listings {
			c := e.signIn(l.as)
			b.Run(fmt.Sprintf("cases=%d/%s", n, l.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if ans := c.call("GET", l.path, nil); ans.status != 200 {
						b.Fatalf("GET %s: %d", l.path, ans.status)
					}
				}
			})
		}
	}
}
