package procedure

import "time"

// WorkingDays counts the working days from one instant to another: the
// working days after from's date, up to and including to's date, in the
// agency's time zone; 0 when to's date is not after from's. A case started
// on a Friday is 1 working day old on the Monday after.
//
// The dashboard counts the age of cases with it (WithWorkingDays); a
// calendar of the agency's holidays plugs in here.
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
