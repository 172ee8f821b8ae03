package calendar

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/tramite/tramite/procedure"
)

// LaPaz is the America/La_Paz time zone: UTC−4 all year. Where the system
// has no time zone database it is a fixed zone with that offset, which is
// the same thing for every date since 1932.
var LaPaz = laPaz()

func laPaz() *time.Location {
	if loc, err := time.LoadLocation("America/La_Paz"); err == nil {
		return loc
	}
	return time.FixedZone("-04", -4*60*60)
}

// Settings say which calendar an agency keeps: the department whose
// holiday it observes, the days off it declares and its working hours.
// The zero Settings are the national holidays alone and 08:30 to 16:30.
type Settings struct {
	// Department names the department whose holiday the agency observes
	// ("La Paz": 16 de julio); empty for none. Departments lists them.
	Department string `json:"department,omitempty"`
	// DaysOff are the extra days off the agency declares.
	DaysOff []DayOff `json:"days_off,omitempty"`
	// Opens and Closes are the working hours, "08:30" and "16:30" when
	// empty.
	Opens  string `json:"opens,omitempty"`
	Closes string `json:"closes,omitempty"`
}

// DayOff is a day the agency declares off.
type DayOff struct {
	// Date is the day, YYYY-MM-DD.
	Date string `json:"date"`
	// Reason is why ("Tolerancia por el aniversario de la entidad").
	Reason string `json:"reason"`
}

// Calendar is a Bolivian working-day calendar. It is safe for concurrent
// use: its settings do not change once New returns it, and the cache of
// holidays rickar/cal keeps (which makes a deadline's arithmetic about
// twenty times faster) is reached under a lock.
type Calendar struct {
	mu    sync.Mutex // guards bc's holiday cache
	bc    *cal.BusinessCalendar
	dept  string
	hours time.Duration
}

// sundayToMonday is the rule that moves a national holiday falling on a
// Sunday to the Monday after.
var sundayToMonday = []cal.AltDay{{Day: time.Sunday, Offset: 1}}

func fixed(name string, month time.Month, day, since int, observed []cal.AltDay) *cal.Holiday {
	return &cal.Holiday{Name: name, Type: cal.ObservancePublic, Month: month, Day: day, StartYear: since,
		Observed: observed, Func: cal.CalcDayOfMonth}
}

func easter(name string, offset int) *cal.Holiday {
	return &cal.Holiday{Name: name, Type: cal.ObservancePublic, Offset: offset, Func: cal.CalcEasterOffset}
}

// National returns the national holidays of Bolivia, each a fresh value:
// Año Nuevo, Día del Estado Plurinacional (since 2010), Carnaval (Monday
// and Tuesday), Viernes Santo, Día del Trabajo, Corpus Christi, Año Nuevo
// Andino Amazónico (since 2009), Día de la Independencia, Todos Santos
// (Día de los Difuntos) and Navidad. Those of a fixed date are observed on the Monday
// after when they fall on a Sunday.
func National() []*cal.Holiday {
	return []*cal.Holiday{
		fixed("Año Nuevo", time.January, 1, 0, sundayToMonday),
		fixed("Día del Estado Plurinacional", time.January, 22, 2010, sundayToMonday),
		easter("Carnaval (lunes)", -48),
		easter("Carnaval (martes)", -47),
		easter("Viernes Santo", -2),
		fixed("Día del Trabajo", time.May, 1, 0, sundayToMonday),
		easter("Corpus Christi", 60),
		fixed("Año Nuevo Andino Amazónico", time.June, 21, 2009, sundayToMonday),
		fixed("Día de la Independencia", time.August, 6, 0, sundayToMonday),
		fixed("Todos Santos", time.November, 2, 0, sundayToMonday),
		fixed("Navidad", time.December, 25, 0, sundayToMonday),
	}
}

// departments are the departmental holidays, by department. They are not
// moved when they fall on a Sunday.
var departments = []struct {
	name  string
	month time.Month
	day   int
}{
	{"Beni", time.November, 18},
	{"Chuquisaca", time.May, 25},
	{"Cochabamba", time.September, 14},
	{"La Paz", time.July, 16},
	{"Oruro", time.February, 10},
	{"Pando", time.September, 24},
	{"Potosí", time.November, 10},
	{"Santa Cruz", time.September, 24},
	{"Tarija", time.April, 15},
}

// Departments returns the names of the nine departments, as Settings
// takes them.
func Departments() []string {
	out := make([]string, len(departments))
	for i, d := range departments {
		out[i] = d.name
	}
	return out
}

// fold lowers s and drops its accents, so "POTOSI" finds "Potosí".
func fold(s string) string {
	return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// clock parses "HH:MM" as a time of day.
func clock(s, def string) (time.Duration, error) {
	if s == "" {
		s = def
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("la hora %q no tiene la forma HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// New returns the calendar s describes: Monday to Friday within its
// working hours, less the national holidays, the department's holiday and
// the agency's days off. A bad setting is an error naming every problem,
// in Spanish.
func New(s Settings) (*Calendar, error) {
	var problems []string
	bc := cal.NewBusinessCalendar()
	bc.Name, bc.Description = "BO", "Días hábiles de Bolivia"
	bc.AddHoliday(National()...)
	c := &Calendar{bc: bc}
	if s.Department != "" {
		found := false
		for _, d := range departments {
			if fold(d.name) == fold(s.Department) {
				bc.AddHoliday(fixed("Efeméride departamental de "+d.name, d.month, d.day, 0, nil))
				c.dept, found = d.name, true
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("el departamento %q no existe; los departamentos son: %s", s.Department, strings.Join(Departments(), ", ")))
		}
	}
	for _, off := range s.DaysOff {
		t, err := time.ParseInLocation("2006-01-02", off.Date, LaPaz)
		if err != nil {
			problems = append(problems, fmt.Sprintf("el día no laborable %q no es una fecha AAAA-MM-DD", off.Date))
			continue
		}
		name := strings.TrimSpace(off.Reason)
		if name == "" {
			name = "Día no laborable declarado por la entidad"
		}
		bc.AddHoliday(&cal.Holiday{Name: name, Type: cal.ObservanceOther, Month: t.Month(), Day: t.Day(),
			StartYear: t.Year(), EndYear: t.Year(), Func: cal.CalcDayOfMonth})
	}
	opens, err := clock(s.Opens, "08:30")
	if err != nil {
		problems = append(problems, "apertura: "+err.Error())
	}
	closes, err := clock(s.Closes, "16:30")
	if err != nil {
		problems = append(problems, "cierre: "+err.Error())
	}
	if len(problems) == 0 && closes <= opens {
		problems = append(problems, fmt.Sprintf("la jornada debe cerrar después de abrir (%s–%s)", s.Opens, s.Closes))
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("calendario: %s", strings.Join(problems, "; "))
	}
	bc.SetWorkHours(opens, closes)
	bc.Cacheable = true
	c.hours = closes - opens
	return c, nil
}

// MustNew is New for settings known to be good; it panics on a bad one.
func MustNew(s Settings) *Calendar {
	c, err := New(s)
	if err != nil {
		panic(err)
	}
	return c
}

// Department is the department whose holiday the calendar observes; ""
// for none.
func (c *Calendar) Department() string { return c.dept }

// Location is the calendar's time zone, America/La_Paz.
func (c *Calendar) Location() *time.Location { return LaPaz }

// WorkdayHours is the length of a working day.
func (c *Calendar) WorkdayHours() time.Duration { return c.hours }

// local returns t in La Paz, to the second: the calendar's arithmetic
// works in whole seconds of the local day.
func local(t time.Time) time.Time { return t.In(LaPaz).Truncate(time.Second) }

// IsWorkday reports whether the day of t (in La Paz) is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bc.IsWorkday(local(t))
}

// Holiday returns the name of the holiday or day off observed on the day
// of t (in La Paz), and whether there is one. A holiday moved from a
// Sunday is named on the Monday it is observed, not on the Sunday.
func (c *Calendar) Holiday(t time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, observed, h := c.bc.IsHoliday(local(t))
	if !observed || h == nil {
		return "", false
	}
	return h.Name, true
}

// receipt returns, with c.mu held, the working day a step received at t counts as received
// on: the day of t if it is a working day and t is not past its close,
// else the next working day.
func (c *Calendar) receipt(t time.Time) time.Time {
	t = local(t)
	day := cal.DayStart(t)
	if c.bc.IsWorkday(t) && !t.After(c.bc.WorkdayEnd(t)) {
		return day
	}
	for day = day.AddDate(0, 0, 1); !c.bc.IsWorkday(day); day = day.AddDate(0, 0, 1) {
	}
	return day
}

// AddWorkdays returns when n working days given at t run out: at the close
// of the nth working day after the day of receipt, which is the day of t,
// or the next working day when t falls on a day off or after the close
// (days are counted from the working day after the receipt, as Bolivian
// administrative deadlines are). n below 1 returns t.
func (c *Calendar) AddWorkdays(t time.Time, n int) time.Time {
	if n < 1 {
		return t
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bc.WorkdayEnd(c.bc.WorkdaysFrom(c.receipt(t), n))
}

// AddWorkingTime returns when d of working time counted from t has
// passed. d below 1 second returns t.
func (c *Calendar) AddWorkingTime(t time.Time, d time.Duration) time.Time {
	d = d.Truncate(time.Second)
	if d <= 0 {
		return t
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bc.AddWorkHours(local(t), d)
}

// WorkingTime returns the working time between from and to; 0 when to is
// not after from.
func (c *Calendar) WorkingTime(from, to time.Time) time.Duration {
	from, to = local(from), local(to)
	if !to.After(from) {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bc.WorkHoursInRange(from, to)
}

// CloseOfDay returns the close of the working day t falls in, or of the
// next working day when t falls on a day off or after the close.
func (c *Calendar) CloseOfDay(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bc.WorkdayEnd(c.receipt(t))
}

var _ procedure.Calendar = (*Calendar)(nil)
