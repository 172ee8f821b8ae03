package procedure

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"sync"
	"time"
)

// StepClock is the clock of one stay of a case in a step: from the entry
// with which the case came to wait for the step until it moved on to
// another step. While the case waits on the requester in a state the
// definition's Deadlines.Pauses lists, the clock stands still; when the
// case comes back to the step it runs on, and the deadline moves by the
// working time it stood still (a deadline in days, to the close of that
// working day). When the case leaves a pause for another step, the stay
// ended when the pause began.
type StepClock struct {
	CaseID string `json:"case_id"`
	Step   int    `json:"step"`
	// Entry is the Seq of the history entry with which the case came to
	// wait for the step; CaseID and Entry name the stay, and its deadline
	// is escalated once.
	Entry   int       `json:"entry"`
	Started time.Time `json:"started"`
	// Ended is when the case moved on to another step or ended, by the
	// entry EndEntry; both zero while it waits for this one.
	Ended    time.Time `json:"ended,omitzero"`
	EndEntry int       `json:"end_entry,omitempty"`
	// Deadline is the step's deadline (an extension of the agency); zero
	// when it has none, and then Due is zero and Overdue false.
	Deadline StepDeadline `json:"deadline,omitzero"`
	Due      time.Time    `json:"due,omitzero"`
	// Paused reports that the case waits on the requester now: the clock
	// stands still and Due is when the deadline would fall if the
	// requester answered now.
	Paused bool `json:"paused,omitempty"`
	// Overdue reports that the clock passed Due: an open stay now, a
	// closed one when its step was done.
	Overdue bool `json:"overdue,omitempty"`
	// Worked is the working time the clock ran, Waited the working time
	// it stood still while the case waited on the requester, Rounds how
	// many times it stood still. Without a calendar they are wall time.
	Worked time.Duration `json:"worked"`
	Waited time.Duration `json:"waited"`
	Rounds int           `json:"rounds,omitempty"`
	// Escalated is the Seq of the entry recording that the deadline
	// passed and that the reminder and the notice were queued; 0 when
	// none.
	Escalated int `json:"escalated,omitempty"`
}

// Open reports whether the case still waits for the step.
func (c StepClock) Open() bool { return c.Ended.IsZero() }

// ActionDeadline names the history entry that records a step passing its
// deadline: the reminder to whoever holds it and the notice to the role
// the definition's Deadlines.Notify names are queued with it. Its Data
// carries the Entry of the stay ("entrada").
const ActionDeadline EventName = "deadline_passed"

// stayKey is the key of Entry.Data that names the stay an escalation is of.
const stayKey = "entrada"

// Clocks returns the clock of every stay of a case in a step, oldest
// first, from its history as of now, counting working time in cal (wall
// time when cal is nil; deadlines then have no due date). A step with no
// deadline has a clock too, for its Worked and Waited.
func (d *Definition) Clocks(cal Calendar, history []Entry, now time.Time) []StepClock {
	stays := d.stays(history)
	out := make([]StepClock, len(stays))
	for i := range stays {
		out[i] = stays[i].count(cal, now)
	}
	return out
}

// stay is a stay of a case in a step as its history tells it, before a
// calendar counts it: the clock's fields that do not depend on the time
// (Step, Entry, Started, Ended, EndEntry, Deadline, Rounds, Escalated) and
// the pauses.
type stay struct {
	clock    StepClock
	pauses   [][2]time.Time // closed pauses
	pausedAt time.Time      // the pause under way, when paused
	paused   bool
	// leftPaused: the case left the stay from a pause (for another step,
	// or ended); the step was done when the pause began.
	leftPaused bool
}

// stays reads the stays of a case from its history.
func (d *Definition) stays(history []Entry) []stay {
	var out []stay
	cur := -1 // the open stay, an index of out
	end := func(at time.Time, seq int) {
		if cur < 0 {
			return
		}
		s := &out[cur]
		if s.paused {
			s.pauses = append(s.pauses, [2]time.Time{s.pausedAt, at})
			s.paused, s.leftPaused = false, true
		}
		s.clock.Ended, s.clock.EndEntry = at, seq
		cur = -1
	}
	for _, e := range history {
		if e.Event == ActionDeadline {
			if cur >= 0 && e.Data[stayKey] == strconv.Itoa(out[cur].clock.Entry) {
				out[cur].clock.Escalated = e.Seq
			}
			continue
		}
		if e.From == e.To {
			continue // an action that leaves the state as it is
		}
		switch s := e.To; {
		case d.IsFinal(s):
			end(e.At, e.Seq)
		case d.Pauses(s):
			if cur >= 0 && !out[cur].paused {
				out[cur].paused, out[cur].pausedAt = true, e.At
				out[cur].clock.Rounds++
			}
		default:
			w := d.Waiting(s)
			if w == nil {
				end(e.At, e.Seq)
				continue
			}
			if cur >= 0 && out[cur].clock.Step == w.Step {
				if out[cur].paused {
					out[cur].pauses = append(out[cur].pauses, [2]time.Time{out[cur].pausedAt, e.At})
					out[cur].paused = false
				}
				continue
			}
			end(e.At, e.Seq)
			out = append(out, stay{clock: StepClock{CaseID: e.CaseID, Step: w.Step, Entry: e.Seq, Started: e.At, Deadline: d.Deadline(w.Step)}})
			cur = len(out) - 1
		}
	}
	return out
}

// count returns the clock of the stay as of now, counting working time in
// cal (wall time when cal is nil).
func (s *stay) count(cal Calendar, now time.Time) StepClock {
	c := s.clock
	span := func(a, b time.Time) time.Duration {
		if !b.After(a) {
			return 0
		}
		if cal == nil {
			return b.Sub(a)
		}
		return cal.WorkingTime(a, b)
	}
	pauses, done, end := s.pauses, c.Ended, c.Ended
	if c.Open() {
		done, end = now, now
		if s.paused {
			pauses = append(slices.Clip(pauses), [2]time.Time{s.pausedAt, now})
			done, c.Paused = s.pausedAt, true
		}
	} else if s.leftPaused {
		done = pauses[len(pauses)-1][0] // done when the last pause began
	}
	for _, p := range pauses {
		c.Waited += span(p[0], p[1])
	}
	c.Worked = max(span(c.Started, end)-c.Waited, 0)
	if c.Deadline.IsZero() || cal == nil {
		return c
	}
	var due time.Time
	if c.Deadline.Workdays > 0 {
		due = cal.AddWorkdays(c.Started, c.Deadline.Workdays)
	} else {
		due = cal.AddWorkingTime(c.Started, time.Duration(c.Deadline.WorkHours)*time.Hour)
	}
	for _, p := range pauses {
		if !p[0].Before(due) {
			continue // paused once already late: the clock had run out
		}
		due = cal.AddWorkingTime(due, span(p[0], p[1]))
		if c.Deadline.Workdays > 0 {
			due = cal.CloseOfDay(due)
		}
	}
	c.Due, c.Overdue = due, done.After(due)
	return c
}

// openClock returns the clock of the stay case c waits in, when its
// step has a deadline; nil otherwise. What the history tells of the stay
// is kept by case and version (every change to a case, an escalation
// included, gives it a new version), so a listing reads a case's version
// and history once, and after that only counts the time.
func (e *Engine) openClock(ctx context.Context, c Case) (*StepClock, error) {
	if c.Step == 0 || e.cal == nil || !e.deadlines[c.Procedure] {
		return nil, nil
	}
	now := e.clock.Now().UTC()
	if st, ok := e.stays.get(c.ID, c.Version); ok {
		if st == nil {
			return nil, nil
		}
		k := st.count(e.cal, now)
		return &k, nil
	}
	if c.DefinitionHash == "" {
		// A summary (CaseQuery.Summary) may leave out the version the
		// case runs under, and a case started before the deadlines has
		// none: read it whole.
		full, err := e.store.Case(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		c.DefinitionHash = full.DefinitionHash
	}
	cd, err := e.caseDef(c)
	if err != nil || cd.def.Deadlines == nil {
		e.stays.put(c.ID, c.Version, nil)
		return nil, nil // a case the engine cannot run shows without a clock
	}
	h, err := e.store.History(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	stays := cd.def.stays(h)
	if len(stays) == 0 || !stays[len(stays)-1].clock.Open() || stays[len(stays)-1].clock.Deadline.IsZero() {
		e.stays.put(c.ID, c.Version, nil)
		return nil, nil
	}
	last := &stays[len(stays)-1]
	e.stays.put(c.ID, c.Version, last)
	k := last.count(e.cal, now)
	return &k, nil
}

// stayCache keeps the open stay of recently listed cases, by case and
// version; nil for a case whose step has no deadline. It forgets
// everything when it holds maxStays cases.
type stayCache struct {
	mu sync.Mutex
	m  map[string]cachedStay
}

type cachedStay struct {
	version int64
	stay    *stay
}

const maxStays = 10000

func (c *stayCache) get(id string, version int64) (*stay, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	if !ok || v.version != version {
		return nil, false
	}
	return v.stay, true
}

func (c *stayCache) put(id string, version int64, s *stay) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxStays {
		c.m = map[string]cachedStay{}
	}
	c.m[id] = cachedStay{version: version, stay: s}
}

// withClocks sets the Clock of each open case whose step has a deadline.
// A case whose procedure has no deadlines is not read further.
func (e *Engine) withClocks(ctx context.Context, cs []Case) error {
	for i := range cs {
		c, err := e.openClock(ctx, cs[i])
		if err != nil {
			return err
		}
		cs[i].Clock = c
	}
	return nil
}

// Clocks returns the clock of every stay of a case in a step, oldest
// first, as of the engine's clock (see Definition.Clocks); ENOTFOUND as
// Case. The dashboard reads the time worked and waited per step from it.
func (e *Engine) Clocks(ctx context.Context, a Actor, id string) ([]StepClock, error) {
	c, err := e.visibleCase(ctx, a, id)
	if err != nil {
		return nil, wrapOp("clocks", err)
	}
	cd, err := e.caseDef(c)
	if err != nil {
		return nil, wrapOp("clocks", err)
	}
	h, err := e.store.History(ctx, id)
	if err != nil {
		return nil, wrapOp("clocks", err)
	}
	return cd.def.Clocks(e.cal, h, e.clock.Now().UTC()), nil
}

// DueCases returns the open cases matching q that a may see whose step
// has a deadline, each with its Clock, the earliest due first (the
// overdue ones, then the rest): the overdue steps are those whose
// Clock.Overdue is set. q's Limit and Offset apply to the cases read, not
// to those returned.
func (e *Engine) DueCases(ctx context.Context, a Actor, q CaseQuery) ([]Case, error) {
	q.Open, q.Summary = true, true
	cs, err := e.Cases(ctx, a, q)
	if err != nil {
		return nil, wrapOp("due cases", err)
	}
	out := []Case{}
	for _, c := range cs {
		if c.Clock != nil {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(x, y Case) int {
		if c := x.Clock.Due.Compare(y.Clock.Due); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return out, nil
}
