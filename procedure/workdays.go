package procedure

import (
	"sync"
	"time"
)

// WorkingDays counts the working days from one instant to another: the
// working days after from's date, up to and including to's date, in the
// agency's time zone; 0 when to's date is not after from's. A case started
// on a Friday is 1 working day old on the Monday after.
//
// The dashboard counts the age of cases with it (WithWorkingDays): by
// default the working days of the engine's Calendar (CalendarDays), or
// Monday to Friday (Weekdays) when it has none.
type WorkingDays func(from, to time.Time) int

// LaPaz is the time zone of the agency, America/La_Paz (UTC-4 all year).
var LaPaz = laPaz()

func laPaz() *time.Location {
	if loc, err := time.LoadLocation("America/La_Paz"); err == nil {
		return loc
	}
	return time.FixedZone("-04", -4*60*60) // no time zone database: Bolivia has kept UTC-4 since 1932
}

// Weekdays returns the WorkingDays that counts Monday to Friday in loc:
// the count until an agency's calendar of holidays is given.
func Weekdays(loc *time.Location) WorkingDays {
	return func(from, to time.Time) int {
		d0, d1 := dayNumber(from.In(loc)), dayNumber(to.In(loc))
		n := d1 - d0
		if n <= 0 {
			return 0
		}
		count := n / 7 * 5
		wd := from.In(loc).Weekday()
		for i := 0; i < n%7; i++ {
			wd = (wd + 1) % 7
			if wd != time.Saturday && wd != time.Sunday {
				count++
			}
		}
		return count
	}
}

// dayNumber returns the number of t's calendar date counted in days from
// 1 January 1970.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// defaultWorkingDays counts the working days of cal when it tells them
// apart, Monday to Friday in La Paz otherwise.
func defaultWorkingDays(cal Calendar) WorkingDays {
	if wd, ok := cal.(interface{ IsWorkday(time.Time) bool }); ok {
		return CalendarDays(wd.IsWorkday, cal.Location())
	}
	return Weekdays(LaPaz)
}

// CalendarDays returns the WorkingDays of a calendar that tells whether a
// day is a working day (calendar.Calendar's IsWorkday), its days in loc.
// It asks about each day once, keeping a running count from 2000 on, so a
// count is two look-ups whatever the days between; it is safe for
// concurrent use.
func CalendarDays(isWorkday func(time.Time) bool, loc *time.Location) WorkingDays {
	c := &dayCounts{isWorkday: isWorkday, loc: loc, base: dayNumber(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))}
	return func(from, to time.Time) int {
		d0, d1 := dayNumber(from.In(loc)), dayNumber(to.In(loc))
		if d1 <= d0 {
			return 0
		}
		return c.upTo(d1) - c.upTo(d0)
	}
}

// dayCounts keeps, for each day from base, how many working days there
// are from base to that day, both included.
type dayCounts struct {
	isWorkday func(time.Time) bool
	loc       *time.Location
	base      int

	mu  sync.Mutex
	cum []int
}

// upTo returns the working days from base to day d (a dayNumber), both
// included; for a day before base, less those after it and before base, so
// that upTo(d1)-upTo(d0) counts the working days after d0 up to d1.
func (c *dayCounts) upTo(d int) int {
	if d < c.base {
		n := 0
		for x := d + 1; x < c.base; x++ {
			if c.working(x) {
				n--
			}
		}
		return n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.cum) <= d-c.base {
		n := 0
		if len(c.cum) > 0 {
			n = c.cum[len(c.cum)-1]
		}
		if c.working(c.base + len(c.cum)) {
			n++
		}
		c.cum = append(c.cum, n)
	}
	return c.cum[d-c.base]
}

// working asks the calendar about day d at noon in its zone.
func (c *dayCounts) working(d int) bool {
	y, m, day := time.Unix(int64(d)*86400, 0).UTC().Date()
	return c.isWorkday(time.Date(y, m, day, 12, 0, 0, 0, c.loc))
}
