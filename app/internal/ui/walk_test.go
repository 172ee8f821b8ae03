package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
	"github.com/tramite/tramite/storage/sqlite/sqlitetest"
)

// walkSeed is the database of the walk: n PR02 requests of the two demo
// units, one in ten assigned to fabio (the first of ten profesionales),
// each with the history entry and the two outbox items its request left.
func walkSeed(n int) sqlitetest.Seed {
	profs := []string{"fabio", "gina"}
	for i := 2; i < 10; i++ {
		profs = append(profs, fmt.Sprintf("profesional-%d", i))
	}
	return sqlitetest.Seed{N: n, Procedure: manual.CodePR02, Units: []string{manual.UnitDesarrollo, manual.UnitGobierno},
		Profesionales: profs, Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Requests: true}
}

// walkSeedVersion names the cached databases: change it with walkSeed.
const walkSeedVersion = 1

// walkDB returns the path of a fresh copy of a database of n cases
// (walkSeed) with the demo people. The seeded database is built once and
// kept under os.TempDir, keyed by schema and seed version, for later runs.
func walkDB(tb testing.TB, n int) string {
	tb.Helper()
	ctx := context.Background()
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("tramite-walk-v%d-s%d-%d.db", sqlite.SchemaVersion(), walkSeedVersion, n))
	if _, err := os.Stat(cached); err != nil {
		start := time.Now()
		tmp := cached + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		s, err := sqlite.Open(ctx, tmp, sqlite.WithSynchronous("NORMAL"))
		if err != nil {
			tb.Fatal(err)
		}
		if err := sqlitetest.FillFile(ctx, tmp, walkSeed(n)); err != nil {
			tb.Fatal(err)
		}
		if err := s.Close(); err != nil { // checkpoints the WAL into the file
			tb.Fatal(err)
		}
		if err := os.Rename(tmp, cached); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("built %s with %d cases in %v", cached, n, time.Since(start).Round(time.Second))
	}
	path := filepath.Join(tb.TempDir(), "tramite.db")
	copyFile(tb, cached, path)
	return path
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	in, err := os.Open(from)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

// walkService opens the client's desk service on the SQLite database at
// path, as the client does, with the demo people.
func walkService(tb testing.TB, path string) *desk.Service {
	tb.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	sealer, err := procedure.NewAESSealer(proceduretest.Key)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(s), procedure.WithSealer(sealer))
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := desk.New(desk.Config{Engine: e, Store: s, People: s, Feed: s, BcryptCost: bcrypt.MinCost, Sealer: sealer})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.SeedPeople(ctx); err != nil {
		tb.Fatal(err)
	}
	return svc
}

// walkSignIn signs in through the sign-in screen, from wherever u is.
func walkSignIn(tb testing.TB, u *ui.UI, user string) {
	tb.Helper()
	if u.Main != nil {
		if u.Case != nil {
			u.CloseCase()
		}
		test.Tap(u.Main.SignOut)
		test.Tap(u.TopDialog().OK) // "¿Cerrar la sesión…?"
	}
	test.Type(u.Login.User, user)
	test.Type(u.Login.Password, desk.DemoPassword(user))
	test.Tap(u.Login.Submit)
	u.Wait()
	if u.Main == nil || u.User.ID != user {
		tb.Fatalf("sign in as %s: %q", user, u.Login.Message.Text)
	}
}

// walkScreens are the main screens in the order of the client's
// screenshots (app/screenshots.go), each with who shows it: the
// profesional their Bandeja, Trámites and a case of their inbox; a
// requester the Nueva solicitud (and then the Procedimientos); the Jefe de
// la UIT the Salida de correo (and then the Ajustes and the emails of a
// case of their inbox).
var walkScreens = []struct {
	name, user string
	show       func(tb testing.TB, u *ui.UI)
}{
	{"bandeja", "fabio", func(tb testing.TB, u *ui.UI) {
		if u.Main.Inbox.Cases.Count == 0 {
			tb.Fatal("fabio's Bandeja is empty")
		}
	}},
	{"tramites", "fabio", func(tb testing.TB, u *ui.UI) { u.Main.Select("Trámites") }},
	{"tramite", "fabio", func(tb testing.TB, u *ui.UI) {
		c, ok := u.Main.Inbox.Cases.Case(0)
		if !ok || u.OpenCase(c.ID) == nil {
			tb.Fatalf("the first case of the Bandeja did not open: %q", u.LastError)
		}
	}},
	{"nueva-solicitud", "ana", func(tb testing.TB, u *ui.UI) {
		if !u.Main.Select("Nueva solicitud") {
			tb.Fatal("no Nueva solicitud for ana")
		}
	}},
	{"procedimientos", "ana", func(tb testing.TB, u *ui.UI) {
		u.Main.Select("Procedimientos")
		u.Main.Procedures().Tabs.Items[0].Content.(*container.AppTabs).SelectIndex(1) // the state diagram
	}},
	{"salida-de-correo", "carla", func(tb testing.TB, u *ui.UI) {
		if !u.Main.Select("Salida de correo") || u.Main.Outbox().Count == 0 {
			tb.Fatal("carla's Salida de correo is empty")
		}
	}},
	{"ajustes", "carla", func(tb testing.TB, u *ui.UI) { u.Main.Select("Ajustes") }},
	{"tramite-correos", "carla", func(tb testing.TB, u *ui.UI) {
		c, ok := u.Main.Inbox.Cases.Case(0)
		cv := u.OpenCase(c.ID)
		if !ok || cv == nil {
			tb.Fatalf("the first case of the Bandeja did not open: %q", u.LastError)
		}
		cv.Tabs.SelectIndex(3) // its emails
	}},
}

// walkStats is what one walk measured.
type walkStats struct {
	peak     uint64 // the most live heap after a screen, bytes
	peakAt   string // that screen
	profile  []byte // a heap profile taken there
	screens  int
	liveHeap map[string]uint64
}

// walk signs in and shows every main screen, drawing each. With measure,
// it collects the garbage after each screen and records the live heap.
func walk(tb testing.TB, svc ui.Service, measure bool) walkStats {
	tb.Helper()
	a := test.NewTempApp(tb)
	u := ui.New(a, svc, ui.Options{Live: true})
	defer u.Close()
	st := walkStats{liveHeap: map[string]uint64{}}
	for _, s := range walkScreens {
		if u.User.ID != s.user {
			walkSignIn(tb, u, s.user)
		}
		s.show(tb, u)
		u.Wait()
		u.Win.Canvas().Capture() // draws it: the tables fetch the rows on screen
		st.screens++
		if !measure {
			continue
		}
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		st.liveHeap[s.name] = ms.HeapAlloc
		if ms.HeapAlloc > st.peak {
			var buf bytes.Buffer
			if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
				tb.Fatal(err)
			}
			st.peak, st.peakAt, st.profile = ms.HeapAlloc, s.name, buf.Bytes()
		}
		runtime.KeepAlive(u)
	}
	return st
}

// walkChild is the environment variable that makes TestWalkHeap, run as
// a child process by walkInChild, walk the database it names and print
// what it measured; walkTimes says how many timed walks follow the first.
const (
	walkChild = "TRAMITE_WALK_DB"
	walkTimes = "TRAMITE_WALK_TIMES"
)

// walkResult is what a walk in a child process measured: the most live
// heap after a screen of its first walk (peak, after the screen at), and
// per timed walk after it the wall-clock time, the CPU time and the bytes
// allocated.
type walkResult struct {
	peak      uint64
	at        string
	wall, cpu time.Duration
	alloc     uint64
}

// walkInChild walks the database at path in a child process, a client
// just started: once measuring the live heap after each screen, then
// times more timed. Each size is measured in a process of its own: fyne's
// test driver never frees the renderers of a closed window, so a process
// that walked before carries them, and the garbage collector scans them.
// profile, when set, is where the child writes the heap profile it took
// at the peak.
func walkInChild(tb testing.TB, path, profile string, times int) walkResult {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWalkHeap$", "-test.v")
	cmd.Env = append(os.Environ(), walkChild+"="+path, walkTimes+"="+strconv.Itoa(times), "TRAMITE_WALK_PROFILE="+profile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("walk of %s: %v\n%s", path, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		var r walkResult
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "walk-result %d %s %d %d %d", &r.peak, &r.at, &r.wall, &r.cpu, &r.alloc); err == nil {
			return r
		}
	}
	tb.Fatalf("walk of %s printed no result:\n%s", path, out)
	return walkResult{}
}

// TestWalkHeap walks the main screens on 100 and on 20,000 cases, each in
// a client process of its own, and checks that the client's live heap
// does not grow with the cases: within 1.2x (it was over 1.8x at 20,000
// and 5x at 100,000 before the tables reported their rows only once laid
// out). Run with walkChild set, it is that child.
func TestWalkHeap(t *testing.T) {
	if path := os.Getenv(walkChild); path != "" {
		svc := walkService(t, path)
		st := walk(t, svc, true)
		if p := os.Getenv("TRAMITE_WALK_PROFILE"); p != "" {
			if err := os.WriteFile(p, st.profile, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		times, _ := strconv.Atoi(os.Getenv(walkTimes))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start, cpu := time.Now(), cpuTime(t)
		for range times {
			walk(t, svc, false)
		}
		wall, cpu := time.Since(start), cpuTime(t)-cpu
		runtime.ReadMemStats(&after)
		n := max(times, 1)
		fmt.Printf("walk-result %d %s %d %d %d\n", st.peak, st.peakAt, wall/time.Duration(n), cpu/time.Duration(n),
			(after.TotalAlloc-before.TotalAlloc)/uint64(n))
		return
	}
	if raceBuild() {
		// SQLite compiled with -race (and checkptr) takes minutes to fill
		// 20,000 cases, and fewer do not tell a leak from noise.
		t.Skip("not under -race: make test runs it without")
	}
	small := walkInChild(t, walkDB(t, 100), "", 0)
	big := walkInChild(t, walkDB(t, 20_000), "", 0)
	t.Logf("live heap: %s on 100 cases, %s on 20,000 (most after %s)", fmtMB(small.peak), fmtMB(big.peak), big.at)
	if float64(big.peak) > 1.2*float64(small.peak) {
		t.Errorf("the live heap grows with the cases: %s on 100, %s on 20,000 (after %s)", fmtMB(small.peak), fmtMB(big.peak), big.at)
	}
}

// raceBuild reports whether the test binary was built with -race.
func raceBuild() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWalk walks the client's main screens on SQLite with 100 and
// with 100,000 cases (see walkSeed), in a client process of its own for
// each size and run (walkInChild): ns/op is the wall-clock time of a walk
// after the first, cpu-ms/op the CPU time it used (steadier on a shared
// machine), alloc-MB/op what it allocated, and live-MB the most live heap
// after a screen of the first walk. With TRAMITE_WALK_PROFILE=DIR, the
// heap profile taken at that screen goes to DIR/walk-N.pprof.
func BenchmarkWalk(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			path := walkDB(b, n)
			var profile string
			if dir := os.Getenv("TRAMITE_WALK_PROFILE"); dir != "" {
				profile = filepath.Join(dir, fmt.Sprintf("walk-%d.pprof", n))
			}
			b.ResetTimer()
			r := walkInChild(b, path, profile, b.N)
			b.ReportMetric(float64(r.wall), "ns/op")
			b.ReportMetric(float64(r.cpu)/float64(time.Millisecond), "cpu-ms/op")
			b.ReportMetric(float64(r.alloc)/(1<<20), "alloc-MB/op")
			b.ReportMetric(float64(r.peak)/(1<<20), "live-MB")
			if profile != "" {
				b.Logf("heap profile after %s in %s", r.at, profile)
			}
		})
	}
}

func fmtMB(n uint64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// listCounter counts the counts that reach the store.
type listCounter struct {
	procedure.Store
	cases, outbox atomic.Int64
}

func (s *listCounter) CountCases(ctx context.Context, q procedure.CaseQuery) (int, error) {
	s.cases.Add(1)
	return s.Store.CountCases(ctx, q)
}

func (s *listCounter) CountOutbox(ctx context.Context, q procedure.OutboxQuery) (int, error) {
	s.outbox.Add(1)
	return s.Store.CountOutbox(ctx, q)
}

// TestTabReadsItsListOnly checks that choosing a tab, or coming back from
// a case, reads the list shown — one count and its page — and no list
// of another tab, each of which counts its whole listing.
func TestTabReadsItsListOnly(t *testing.T) {
	st := &listCounter{Store: procedure.NewMemoryStore()}
	seedOutbox(t, st.Store, 3) // and their case, waiting for the Jefe
	e := newEnv(t, st, procedure.NewDirectory())
	u := ui.New(test.NewTempApp(t), e.svc, ui.Options{})
	defer u.Close()
	signIn(t, u, "carla")
	counts := func() (int64, int64) { return st.cases.Swap(0), st.outbox.Swap(0) }
	counts()
	for _, tc := range []struct {
		name          string
		do            func()
		cases, outbox int64
	}{
		{"Trámites, built", func() { u.Main.Select("Trámites") }, 1, 0},
		{"Salida de correo, built", func() { u.Main.Select("Salida de correo") }, 0, 1},
		{"Procedimientos", func() { u.Main.Select("Procedimientos") }, 0, 0},
		{"Bandeja again", func() { u.Main.Select("Bandeja") }, 1, 0},
		{"Trámites again", func() { u.Main.Select("Trámites") }, 1, 0},
		{"a case opened", func() {
			c, _ := u.Main.All().Cases.Case(0)
			u.OpenCase(c.ID)
		}, 0, 0},
		{"back from the case", func() { u.CloseCase() }, 1, 0},
		{"Salida de correo again", func() { u.Main.Select("Salida de correo") }, 0, 1},
	} {
		tc.do()
		u.Wait()
		if c, o := counts(); c != tc.cases || o != tc.outbox {
			t.Errorf("%s: %d case counts and %d outbox counts, want %d and %d", tc.name, c, o, tc.cases, tc.outbox)
		}
	}
	if n := u.Main.All().Cases.Count; n != 1 {
		t.Errorf("Trámites counts %d cases, want 1", n)
	}
	if n := u.Main.Outbox().Count; n != 2 {
		t.Errorf("the Salida de correo counts %d emails, want 2", n)
	}
}
