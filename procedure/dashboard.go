package procedure

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// DashboardQuery selects the cases the dashboard (tablero) covers and its
// exports list. Zero fields do not filter.
type DashboardQuery struct {
	Procedure string `json:"procedure,omitempty"`
	// Unit keeps the cases of one requesting unit.
	Unit string `json:"unit,omitempty"`
	// From and To keep the cases started at or after From and before To.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
}

// AgeBucket is a range of ages in working days, both ends included; Max
// is -1 for no upper end.
type AgeBucket struct {
	Min   int    `json:"min"`
	Max   int    `json:"max"`
	Label string `json:"label"`
}

// AgeBuckets are the ranges the dashboard counts open cases in: 0–1, 2–5,
// 6–30, 31–90 and more than 90 working days.
var AgeBuckets = [NumAgeBuckets]AgeBucket{
	{0, 1, "0–1"}, {2, 5, "2–5"}, {6, 30, "6–30"}, {31, 90, "31–90"}, {91, -1, "más de 90"},
}

// NumAgeBuckets is the number of AgeBuckets.
const NumAgeBuckets = 5

// AgeBucketOf returns the index in AgeBuckets of an age in working days.
func AgeBucketOf(days int) int {
	for i, b := range AgeBuckets {
		if b.Max < 0 || days <= b.Max {
			return i
		}
	}
	return NumAgeBuckets - 1
}

// Dashboard is the tablero of the cases a DashboardQuery selects, as an
// actor may see it (Engine.Dashboard). Durations are elapsed time between
// history entries; ages are working days (WithWorkingDays).
type Dashboard struct {
	Query DashboardQuery `json:"query"`
	// At is when the figures were computed (the engine's clock): the ages
	// of open cases are counted up to it.
	At time.Time `json:"at"`
	// Cases counts the cases selected, Open those not in a final state.
	Cases int `json:"cases"`
	Open  int `json:"open"`
	// States are the open cases by procedure and state, each counted by
	// age (AgeBuckets): the procedures in the engine's order, the states
	// in their definition's order, those with no open case left out.
	States []StateAges `json:"states"`
	// Steps is the time cases spent on each step, by procedure then step.
	Steps []StepTime `json:"steps"`
	// Rounds counts the cases by how many observation rounds they had
	// (0, 1, 2…), fewest first.
	Rounds       []RoundCount `json:"rounds"`
	Observations Observations `json:"observations"`
	// Load is the open cases assigned to each profesional, most first.
	Load []Load `json:"load"`
	// Deadlines counts, by procedure then step, the open cases waiting for
	// a step with a deadline (an extension of the agency: Definition.
	// Deadlines, counted on the engine's Calendar) and those past it; empty
	// when no procedure has deadlines.
	Deadlines []StepDeadlines `json:"deadlines"`
}

// StepDeadlines counts the open cases waiting for a step with a deadline
// and those past it (StepClock.Overdue).
type StepDeadlines struct {
	Procedure string `json:"procedure"`
	Step      int    `json:"step"`
	Activity  string `json:"activity"`
	// Deadline is the step's deadline in the current definition, in
	// Spanish ("10 días hábiles").
	Deadline string `json:"deadline"`
	Open     int    `json:"open"`
	Overdue  int    `json:"overdue"`
}

// StateAges counts the open cases of a procedure in one state by age.
type StateAges struct {
	Procedure string `json:"procedure"`
	State     State  `json:"state"`
	// Label is the state's label in the current definition.
	Label string `json:"label"`
	// Ages counts the cases in each of AgeBuckets.
	Ages  [NumAgeBuckets]int `json:"ages"`
	Total int                `json:"total"`
}

// StepTime is the time the cases of a procedure spent on one step of the
// manual: the intervals between history entries during which a case
// waited for that step, ended by the next entry. Working is the time the
// step was in the hands of the unit; Waiting the time the case was
// observed, waiting on the requester to complete what the step needs (an
// observation pauses the step it interrupts).
type StepTime struct {
	Procedure string `json:"procedure"`
	Step      int    `json:"step"`
	// Activity is the step's activity in the current definition.
	Activity string `json:"activity"`
	// Cases counts the cases that spent time on the step.
	Cases   int           `json:"cases"`
	Working time.Duration `json:"working"`
	Waiting time.Duration `json:"waiting"`
}

// RoundCount is how many cases had a number of observation rounds.
type RoundCount struct {
	Rounds int `json:"rounds"`
	Cases  int `json:"cases"`
}

// Observations sums the observation rounds: each time a case was observed
// (it waited on the requester to complete or clarify it) until the
// requester answered.
type Observations struct {
	// Rounds counts every round, Answered those the requester answered.
	Rounds   int `json:"rounds"`
	Answered int `json:"answered"`
	// Turnaround is the total time from observation to answer of the
	// answered rounds.
	Turnaround time.Duration `json:"turnaround"`
}

// MeanTurnaround returns the mean time from observation to answer, 0
// when no round was answered.
func (o Observations) MeanTurnaround() time.Duration {
	if o.Answered == 0 {
		return 0
	}
	return o.Turnaround / time.Duration(o.Answered)
}

// Load is the open cases assigned to one profesional.
type Load struct {
	ActorID string `json:"actor_id"`
	// Name is the profesional's name, or the ID when the directory does
	// not know them.
	Name string `json:"name"`
	Open int    `json:"open"`
}

// CaseFigures are the figures of one case as the dashboard counts them.
type CaseFigures struct {
	Case Case
	// Definition is the version of its procedure the case runs under (the
	// current one when the engine lacks it).
	Definition *Definition
	// Days is the case's age in working days: until now while it is open,
	// until its last entry once it ended.
	Days int
	// Rounds counts its observation rounds; Working and Waiting sum the
	// time of its steps (StepTime).
	Rounds           int
	Working, Waiting time.Duration
}

// CanSeeDashboard reports whether a may see the dashboard of some
// procedure: a holds a role its definition lists in Visibility.Dashboard.
func (e *Engine) CanSeeDashboard(a Actor) bool {
	for _, code := range e.order {
		if holdsAny(a, e.defs[code].def.Visible().Dashboard) {
			return true
		}
	}
	return false
}

// dashboardProcedures checks q and returns the procedures of q whose
// dashboard a may see: EINVALID for a malformed query, ENOTFOUND for an
// unknown procedure, EFORBIDDEN when a may see none.
func (e *Engine) dashboardProcedures(a Actor, q DashboardQuery) ([]string, error) {
	if err := checkQuery(CaseQuery{Procedure: q.Procedure, Unit: q.Unit}); err != nil {
		return nil, err
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return nil, Errorf(EINVALID, "la fecha inicial (%s) debe ser anterior a la final (%s)",
			q.From.In(LaPaz).Format("02/01/2006"), q.To.In(LaPaz).Format("02/01/2006"))
	}
	codes := e.order
	if q.Procedure != "" {
		if _, ok := e.defs[q.Procedure]; !ok {
			return nil, Errorf(ENOTFOUND, "no existe el procedimiento %s", q.Procedure)
		}
		codes = []string{q.Procedure}
	}
	var out []string
	for _, code := range codes {
		if holdsAny(a, e.defs[code].def.Visible().Dashboard) {
			out = append(out, code)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EFORBIDDEN, "el tablero no está a cargo de ninguno de sus roles")
	}
	return out, nil
}

// ScanCases streams to fn the cases q selects of the procedures whose
// dashboard a may see, oldest first, each with its figures and its
// history (entries as Store.Scan streams them, valid during the call). Errors
// as Dashboard; an error of fn stops the scan and is returned as it is.
func (e *Engine) ScanCases(ctx context.Context, a Actor, q DashboardQuery, fn func(CaseFigures, []Entry) error) error {
	codes, err := e.dashboardProcedures(a, q)
	if err != nil {
		return wrapOp("scan cases", err)
	}
	now := e.clock.Now()
	return e.store.Scan(ctx, ScanQuery{Procedures: codes, Unit: q.Unit, From: q.From, To: q.To, History: true},
		func(c Case, h []Entry) error {
			f, _ := e.caseFigures(c, h, now, nil, nil)
			return fn(f, h)
		})
}

// Dashboard returns the figures of the cases q selects, computed as the
// store streams them (one case's history in memory at a time). Only the
// procedures whose dashboard a may see are counted: EFORBIDDEN when a may
// see none (or not q.Procedure's), ENOTFOUND for an unknown procedure,
// EINVALID for a malformed unit or From not before To.
func (e *Engine) Dashboard(ctx context.Context, a Actor, q DashboardQuery) (Dashboard, error) {
	codes, err := e.dashboardProcedures(a, q)
	if err != nil {
		return Dashboard{}, wrapOp("dashboard", err)
	}
	db := Dashboard{Query: q, At: e.clock.Now()}
	type stateKey struct {
		proc  string
		state State
	}
	type stepKey struct {
		proc string
		step int
	}
	states := map[stateKey]*StateAges{}
	steps := map[stepKey]*StepTime{}
	rounds := map[int]int{}
	load := map[string]int{}
	deadlines := map[stepKey]*StepDeadlines{}
	var seen []int // steps the current case spent time on
	err = e.store.Scan(ctx, ScanQuery{Procedures: codes, Unit: q.Unit, From: q.From, To: q.To, History: true},
		func(c Case, h []Entry) error {
			seen = seen[:0]
			f, _ := e.caseFigures(c, h, db.At, func(step int, waiting bool, d time.Duration) {
				k := stepKey{c.Procedure, step}
				st := steps[k]
				if st == nil {
					st = &StepTime{Procedure: c.Procedure, Step: step}
					steps[k] = st
				}
				if !slices.Contains(seen, step) {
					seen = append(seen, step)
					st.Cases++
				}
				if waiting {
					st.Waiting += d
				} else {
					st.Working += d
				}
			}, &db.Observations)
			db.Cases++
			rounds[f.Rounds]++
			if c.Step == 0 {
				return nil
			}
			// Open cases: their state, age, profesional and deadline.
			db.Open++
			if f.Definition != nil && f.Definition.Deadlines != nil && e.cal != nil {
				clocks := f.Definition.Clocks(e.cal, h, db.At)
				if n := len(clocks); n > 0 && clocks[n-1].Open() && !clocks[n-1].Deadline.IsZero() {
					k := stepKey{c.Procedure, clocks[n-1].Step}
					sd := deadlines[k]
					if sd == nil {
						sd = &StepDeadlines{Procedure: c.Procedure, Step: k.step}
						deadlines[k] = sd
					}
					sd.Open++
					if clocks[n-1].Overdue {
						sd.Overdue++
					}
				}
			}
			k := stateKey{c.Procedure, c.State}
			sa := states[k]
			if sa == nil {
				sa = &StateAges{Procedure: c.Procedure, State: c.State}
				states[k] = sa
			}
			sa.Ages[AgeBucketOf(f.Days)]++
			sa.Total++
			if c.Assignee != "" {
				load[c.Assignee]++
			}
			return nil
		})
	if err != nil {
		return Dashboard{}, wrapOp("dashboard", err)
	}
	db.States, db.Steps, db.Rounds, db.Load, db.Deadlines = []StateAges{}, []StepTime{}, []RoundCount{}, []Load{}, []StepDeadlines{}
	for _, code := range codes {
		d := e.defs[code].def
		var extra []State // states of other versions
		for k := range states {
			if k.proc == code && !slices.Contains(d.States(), k.state) {
				extra = append(extra, k.state)
			}
		}
		slices.Sort(extra)
		for _, s := range append(d.States(), extra...) {
			if sa := states[stateKey{code, s}]; sa != nil {
				sa.Label = d.StateLabel(s)
				db.States = append(db.States, *sa)
			}
		}
		var nums []int
		for k := range steps {
			if k.proc == code {
				nums = append(nums, k.step)
			}
		}
		slices.Sort(nums)
		for _, n := range nums {
			st := steps[stepKey{code, n}]
			if s, ok := d.Step(n); ok {
				st.Activity = s.Activity
			}
			db.Steps = append(db.Steps, *st)
		}
		for _, s := range d.Steps {
			if sd := deadlines[stepKey{code, s.Number}]; sd != nil {
				sd.Activity, sd.Deadline = s.Activity, d.Deadline(s.Number).String()
				db.Deadlines = append(db.Deadlines, *sd)
			}
		}
	}
	for n, k := range rounds {
		db.Rounds = append(db.Rounds, RoundCount{Rounds: n, Cases: k})
	}
	slices.SortFunc(db.Rounds, func(x, y RoundCount) int { return cmp.Compare(x.Rounds, y.Rounds) })
	for id, n := range load {
		l := Load{ActorID: id, Name: id, Open: n}
		if e.dir != nil {
			if p, err := e.dir.Actor(ctx, id); err == nil && p.Name != "" {
				l.Name = p.Name
			}
		}
		db.Load = append(db.Load, l)
	}
	slices.SortFunc(db.Load, func(x, y Load) int {
		if c := cmp.Compare(y.Open, x.Open); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ActorID, y.ActorID))
	})
	return db, nil
}

// caseFigures walks a case's history: every interval between two entries
// goes to span (when not nil) with the step the case waited for and
// whether it waited on the requester, and every observation round to obs
// (when not nil).
func (e *Engine) caseFigures(c Case, h []Entry, now time.Time, span func(step int, waiting bool, d time.Duration), obs *Observations) (CaseFigures, error) {
	f := CaseFigures{Case: c}
	cd, err := e.caseDef(c)
	if err != nil {
		if cd = e.defs[c.Procedure]; cd == nil {
			return f, err
		}
	}
	d := cd.def
	f.Definition = d
	end := now
	if c.Step == 0 && len(h) > 0 {
		end = h[len(h)-1].At
	}
	f.Days = e.work(c.CreatedAt, end)
	var paused State // the state an observation interrupted
	var observedAt time.Time
	for i, en := range h {
		from, to := cd.state(en.From), cd.state(en.To)
		if to.observed && !from.observed {
			f.Rounds++
			observedAt = en.At
			paused = en.From
			if obs != nil {
				obs.Rounds++
			}
		}
		if from.observed && !to.observed && !to.final && !observedAt.IsZero() { // answered, not withdrawn
			if obs != nil {
				obs.Answered++
				obs.Turnaround += en.At.Sub(observedAt)
			}
			observedAt = time.Time{}
		}
		if i+1 == len(h) || to.final {
			continue
		}
		step := to.step
		if to.observed {
			step = cd.state(paused).step
		}
		if step == 0 {
			continue
		}
		dur := h[i+1].At.Sub(en.At)
		if to.observed {
			f.Waiting += dur
		} else {
			f.Working += dur
		}
		if span != nil {
			span(step, to.observed, dur)
		}
	}
	return f, nil
}

// stateInfo is what the dashboard needs to know of a state.
type stateInfo struct {
	final, observed bool
	// step is the step the case waits for in the state; 0 for none.
	step int
}

// stateInfos returns what the dashboard needs of each state of d.
func stateInfos(d *Definition) map[State]stateInfo {
	out := map[State]stateInfo{}
	for _, s := range d.States() {
		out[s] = stateOf(d, s)
	}
	return out
}

func stateOf(d *Definition, s State) stateInfo {
	info := stateInfo{final: d.IsFinal(s), observed: observation(d, s)}
	if w := d.Waiting(s); w != nil && !info.final {
		info.step = w.Step
	}
	return info
}

// state returns what the dashboard needs of state s.
func (c *compiled) state(s State) stateInfo {
	if info, ok := c.states[s]; ok {
		return info
	}
	return stateOf(c.def, s) // a state the definition does not name
}

// observation reports whether a case in state s is observed: one of the
// states its deadlines pause in (Deadlines.Pauses) when the definition
// declares them; else a state where it waits on the role that starts cases
// (the requester) for an event that takes it back into the procedure
// rather than to its end. In PR01 and
// PR02 that is "observed", the wait of step 5 for the requester to
// complete or clarify the request.
func observation(d *Definition, s State) bool {
	if s == "" || d.IsFinal(s) {
		return false
	}
	if d.Deadlines != nil && len(d.Deadlines.Pauses) > 0 {
		return d.Pauses(s) // the states the definition's deadlines pause in
	}
	start, w := d.StartEvent(), d.Waiting(s)
	return start != nil && w != nil && w.Role == start.Role && !d.IsFinal(w.To)
}
