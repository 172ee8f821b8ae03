package calendar_test

import (
	"testing"
	"time"

	"github.com/rickar/cal/v2"

	"github.com/tramite/tramite/calendar"
)

// bare is rickar/cal's business calendar with the same holidays and hours,
// used directly: the baseline of the benchmarks.
func bare() *cal.BusinessCalendar {
	bc := cal.NewBusinessCalendar()
	bc.AddHoliday(calendar.National()...)
	bc.AddHoliday(&cal.Holiday{Name: "La Paz", Month: time.July, Day: 16, Func: cal.CalcDayOfMonth})
	bc.SetWorkHours(8*time.Hour+30*time.Minute, 16*time.Hour+30*time.Minute)
	return bc
}

var (
	benchStart = time.Date(2026, 2, 12, 10, 0, 0, 0, calendar.LaPaz) // before Carnaval
	sink       time.Time
	sinkD      time.Duration
)

// BenchmarkAddWorkdays: ten working days across Carnaval.
func BenchmarkAddWorkdays(b *testing.B) {
	c := calendar.MustNew(calendar.Settings{Department: "La Paz"})
	b.ReportAllocs()
	for b.Loop() {
		sink = c.AddWorkdays(benchStart, 10)
	}
}

// BenchmarkAddWorkdaysBare: the same with rickar/cal alone.
func BenchmarkAddWorkdaysBare(b *testing.B) {
	bc := bare()
	b.ReportAllocs()
	for b.Loop() {
		sink = bc.WorkdayEnd(bc.WorkdaysFrom(cal.DayStart(benchStart), 10))
	}
}

// BenchmarkWorkingTime: the working time of two weeks across Carnaval.
func BenchmarkWorkingTime(b *testing.B) {
	c := calendar.MustNew(calendar.Settings{Department: "La Paz"})
	end := benchStart.AddDate(0, 0, 14)
	b.ReportAllocs()
	for b.Loop() {
		sinkD = c.WorkingTime(benchStart, end)
	}
}

// BenchmarkWorkingTimeBare: the same with rickar/cal alone.
func BenchmarkWorkingTimeBare(b *testing.B) {
	bc := bare()
	end := benchStart.AddDate(0, 0, 14)
	b.ReportAllocs()
	for b.Loop() {
		sinkD = bc.WorkHoursInRange(benchStart, end)
	}
}

// BenchmarkAddWorkdaysBareCached: rickar/cal alone with its holiday cache
// (unsafe for concurrent use; the calendar's lock is the difference).
func BenchmarkAddWorkdaysBareCached(b *testing.B) {
	bc := bare()
	bc.Cacheable = true
	b.ReportAllocs()
	for b.Loop() {
		sink = bc.WorkdayEnd(bc.WorkdaysFrom(cal.DayStart(benchStart), 10))
	}
}

// BenchmarkWorkingTimeBareCached: the same, for the working time.
func BenchmarkWorkingTimeBareCached(b *testing.B) {
	bc := bare()
	bc.Cacheable = true
	end := benchStart.AddDate(0, 0, 14)
	b.ReportAllocs()
	for b.Loop() {
		sinkD = bc.WorkHoursInRange(benchStart, end)
	}
}
