package procedure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ExtensionNote is how deadlines are marked wherever they are shown: the
// manual sets none, the agency does.
const ExtensionNote = "extensión de la agencia, no del manual"

// Deadlines are the deadlines an agency sets on a procedure's steps. They
// are an extension: the manual sets no deadline, and the manual's
// procedures (procedure/manual) have none until an agency adds them
// (ApplyDeadlines). A step's clock starts when the case comes to wait for
// the step, stands still while the case waits on the requester in one of
// Pauses and resumes on the answer, and counts only working time in the
// engine's Calendar. When a step passes its deadline, whoever holds it gets
// the Reminder email and the holders of Notify the Notice email, once, and
// the escalation is recorded in the case's history.
type Deadlines struct {
	// Steps gives the deadline of each step that has one.
	Steps []StepDeadline `json:"steps"`
	// Pauses lists the states in which the case waits on the requester
	// (PR01 and PR02: "observed"): the clock of the step the case came
	// from stands still there, and runs on when the case comes back to
	// that step.
	Pauses []State `json:"pauses,omitempty"`
	// Notify is the role told when a step passes its deadline (PR01 and
	// PR02: the Jefe de la UIT, or whoever holds the role a.i.).
	Notify RoleID `json:"notify"`
	// Reminder and Notice name the EmailDef topics sent to whoever holds
	// the step and to the holders of Notify.
	Reminder string `json:"reminder"`
	Notice   string `json:"notice"`
}

// StepDeadline is the deadline of one step: Workdays working days, which
// run out at the close of the last one and are counted from the working
// day after the step was received, or WorkHours working hours.
type StepDeadline struct {
	Step      int `json:"step"`
	Workdays  int `json:"workdays,omitempty"`
	WorkHours int `json:"work_hours,omitempty"`
}

// Limits of a deadline.
const (
	maxWorkdays  = 250
	maxWorkHours = 2000
)

// String says the deadline in Spanish: "5 días hábiles", "4 horas hábiles".
func (s StepDeadline) String() string {
	switch {
	case s.Workdays == 1:
		return "1 día hábil"
	case s.Workdays > 1:
		return strconv.Itoa(s.Workdays) + " días hábiles"
	case s.WorkHours == 1:
		return "1 hora hábil"
	case s.WorkHours > 1:
		return strconv.Itoa(s.WorkHours) + " horas hábiles"
	}
	return "sin plazo"
}

// IsZero reports whether the step has no deadline.
func (s StepDeadline) IsZero() bool { return s.Workdays == 0 && s.WorkHours == 0 }

// Deadline returns the deadline of step n; the zero StepDeadline when it
// has none.
func (d *Definition) Deadline(n int) StepDeadline {
	if d.Deadlines == nil {
		return StepDeadline{}
	}
	for _, s := range d.Deadlines.Steps {
		if s.Step == n {
			return s
		}
	}
	return StepDeadline{}
}

// Pauses reports whether the clock of a step stands still in state s.
func (d *Definition) Pauses(s State) bool {
	return d.Deadlines != nil && slices.Contains(d.Deadlines.Pauses, s)
}

// deadlineProblems checks the deadlines of a definition.
func (d *Definition) deadlineProblems(roles map[RoleID]bool) []string {
	dl := d.Deadlines
	if dl == nil {
		return nil
	}
	var p []string
	add := func(format string, args ...any) { p = append(p, "plazos: "+fmt.Sprintf(format, args...)) }
	// The steps a case waits for in a state where the clock runs.
	waited := map[int]bool{}
	for _, s := range d.States() {
		if w := d.Waiting(s); w != nil && !d.IsFinal(s) && !slices.Contains(dl.Pauses, s) {
			waited[w.Step] = true
		}
	}
	seen := map[int]bool{}
	for _, s := range dl.Steps {
		if _, ok := d.Step(s.Step); !ok {
			add("el paso %d no existe", s.Step)
		} else if !waited[s.Step] {
			add("ningún trámite espera el paso %d con el reloj en marcha: su plazo nunca correría (los plazos van en los pasos que un trámite espera)", s.Step)
		}
		if seen[s.Step] {
			add("el paso %d tiene dos plazos", s.Step)
		}
		seen[s.Step] = true
		switch {
		case s.Workdays < 0 || s.WorkHours < 0:
			add("el plazo del paso %d no puede ser negativo", s.Step)
		case (s.Workdays > 0) == (s.WorkHours > 0):
			add("el plazo del paso %d debe darse en días hábiles (workdays) o en horas hábiles (work_hours), uno de los dos", s.Step)
		case s.Workdays > maxWorkdays:
			add("el plazo del paso %d excede %d días hábiles", s.Step, maxWorkdays)
		case s.WorkHours > maxWorkHours:
			add("el plazo del paso %d excede %d horas hábiles", s.Step, maxWorkHours)
		}
	}
	if len(dl.Steps) == 0 {
		add("no hay plazos para ningún paso (steps)")
	}
	states := d.States()
	for _, s := range dl.Pauses {
		switch {
		case !slices.Contains(states, s):
			add("la pausa nombra un estado desconocido %q", s)
		case d.IsFinal(s):
			add("la pausa nombra el estado final %q", s)
		}
	}
	switch {
	case dl.Notify == "":
		add("falta el rol al que se avisa del vencimiento (notify)")
	case !roles[dl.Notify]:
		add("se avisa del vencimiento a un rol desconocido %q", dl.Notify)
	}
	for _, t := range []struct{ field, topic string }{{"reminder", dl.Reminder}, {"notice", dl.Notice}} {
		if t.topic == "" {
			add("falta el correo %s", t.field)
		} else if _, ok := d.Email(t.topic); !ok {
			add("el correo %s nombra un correo no declarado %q", t.field, t.topic)
		}
	}
	if dl.Reminder != "" && dl.Reminder == dl.Notice {
		add("el recordatorio y el aviso deben ser correos distintos")
	}
	return p
}

// DeadlineSettings are an agency's deadlines for one procedure, as a JSON
// file gives them (examples/deadlines/plazos.json): the procedure's code,
// the version the definition takes with them, the deadlines and the
// emails they send.
type DeadlineSettings struct {
	Procedure string     `json:"procedure"`
	Version   string     `json:"version"`
	Deadlines Deadlines  `json:"deadlines"`
	Emails    []EmailDef `json:"emails,omitempty"`
}

// ApplyDeadlines reads a JSON array of DeadlineSettings and returns, for
// each, a copy of the definition of its procedure among defs with the
// deadlines, the emails added and the version given, validated. Give the
// engine the originals and then the copies (WithDefinitions(append(defs,
// copies...)...)): cases started before finish under the original,
// new ones take the deadlines. Unknown fields, an unknown procedure, a
// version unchanged and every problem of the result are refused, as an
// *Error (EINVALID) in Spanish.
func ApplyDeadlines(data []byte, defs []*Definition) ([]*Definition, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var all []DeadlineSettings
	if err := dec.Decode(&all); err != nil {
		return nil, &Error{Code: EINVALID, Op: "apply deadlines", Message: "el documento JSON de los plazos no es válido", Err: err}
	}
	var out []*Definition
	for _, s := range all {
		i := slices.IndexFunc(defs, func(d *Definition) bool { return d.Code == s.Procedure })
		if i < 0 {
			return nil, Errorf(EINVALID, "los plazos son de un procedimiento desconocido %s", quote(s.Procedure))
		}
		d, err := defs[i].WithDeadlines(s)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// WithDeadlines returns a copy of d with the deadlines and emails of s and
// its version, validated. The version must differ from d's: a changed
// definition carries a new version.
func (d *Definition) WithDeadlines(s DeadlineSettings) (*Definition, error) {
	if strings.TrimSpace(s.Version) == "" || s.Version == d.Version {
		return nil, Errorf(EINVALID, "los plazos de %s deben dar una versión nueva de la definición (la actual es %s)", d.Code, quote(d.Version))
	}
	// A deep copy through the JSON the loader reads: nothing of d is shared.
	b, err := json.Marshal(d)
	if err != nil {
		return nil, &Error{Code: EINTERNAL, Op: "with deadlines", Message: "no se pudo copiar la definición", Err: err}
	}
	var c Definition
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, &Error{Code: EINTERNAL, Op: "with deadlines", Message: "no se pudo copiar la definición", Err: err}
	}
	c.Version = s.Version
	dl := s.Deadlines
	c.Deadlines = &dl
	c.Emails = append(c.Emails, s.Emails...)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Calendar counts working time: the days and hours deadlines run in.
// calendar.New returns the Bolivian one (national, departmental and the
// agency's days off); give it to the engine with WithCalendar.
type Calendar interface {
	// AddWorkdays returns when n working days given at t run out: the
	// close of the nth working day after the day t counts as received.
	AddWorkdays(t time.Time, n int) time.Time
	// AddWorkingTime returns when d of working time from t has passed.
	AddWorkingTime(t time.Time, d time.Duration) time.Time
	// WorkingTime returns the working time between from and to.
	WorkingTime(from, to time.Time) time.Duration
	// CloseOfDay returns the close of the working day t falls in, or of
	// the next one when t is on a day off or after the close.
	CloseOfDay(t time.Time) time.Time
	// Location is the time zone the calendar's days are in.
	Location() *time.Location
}

// WithCalendar sets the calendar deadlines are counted in. An engine given
// a definition with deadlines needs one.
func WithCalendar(c Calendar) Option { return func(e *Engine) { e.cal = c } }

// Calendar returns the engine's calendar; nil when it has none.
func (e *Engine) Calendar() Calendar { return e.cal }
