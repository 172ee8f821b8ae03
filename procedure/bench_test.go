package procedure_test

import (
	"context"
	"testing"

	"github.com/looplab/fsm"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// BenchmarkFire measures one engine transition on the in-memory store:
// guard, input check, a fresh looplab/fsm machine, history hash, outbox
// (an email with To and Cc resolved from the directory) and commit. The
// iterations walk the observation loop of step 4 and 5 (observe, complete)
// on a pool of cases.
func BenchmarkFire(b *testing.B) {
	e := proceduretest.NewEngine(b, procedure.NewMemoryStore())
	const pool = 64
	ids := make([]string, pool)
	for i := range ids {
		ids[i] = proceduretest.InProgress(b, e, manual.CodePR02, "Bench").ID
	}
	proceduretest.ObservationLoop(b, e, ids...)
}

// BenchmarkLooplabEvent is the bare library underneath: NewFSM with the
// same events as PR02 and one Event, alternating observe and complete as
// BenchmarkFire does.
func BenchmarkLooplabEvent(b *testing.B) {
	ctx := context.Background()
	var events fsm.Events
	for _, ev := range manual.PR02().Events {
		src := []string{"[*]"}
		if len(ev.From) > 0 {
			src = src[:0]
			for _, f := range ev.From {
				src = append(src, string(f))
			}
		}
		events = append(events, fsm.EventDesc{Name: string(ev.Name), Src: src, Dst: string(ev.To)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		from, ev := manual.StateInProgress, manual.EventObserve
		if (i/64)%2 == 1 {
			from, ev = manual.StateObserved, manual.EventComplete
		}
		m := fsm.NewFSM(string(from), events, nil)
		if err := m.Event(ctx, string(ev)); err != nil {
			b.Fatal(err)
		}
	}
}
