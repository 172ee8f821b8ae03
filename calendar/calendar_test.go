package calendar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/calendar"
)

// at parses a La Paz time "2006-01-02 15:04".
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.LaPaz)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func show(v time.Time) string { return v.In(calendar.LaPaz).Format("2006-01-02 15:04 Mon") }

// TestAddWorkdays: n working days given at a time run out at the close
// (16:30) of the nth working day after the day of receipt.
func TestAddWorkdays(t *testing.T) {
	laPaz := calendar.Settings{Department: "La Paz"}
	tests := []struct {
		name     string
		settings calendar.Settings
		start    string
		days     int
		want     string
	}{
		{"plain week", laPaz, "2026-01-26 10:00", 1, "2026-01-27 16:30"},
		{"over a weekend", laPaz, "2026-01-29 10:00", 3, "2026-02-03 16:30"},
		{"received on a Saturday counts from Monday", laPaz, "2026-01-24 11:00", 1, "2026-01-27 16:30"},
		{"received after the close counts from the next day", laPaz, "2026-01-26 18:00", 1, "2026-01-28 16:30"},
		{"received before the opening counts that day", laPaz, "2026-01-26 07:00", 1, "2026-01-27 16:30"},
		{"received exactly at the close counts that day", laPaz, "2026-01-26 16:30", 1, "2026-01-27 16:30"},
		{"Estado Plurinacional 2026", laPaz, "2026-01-21 09:00", 1, "2026-01-23 16:30"},
		{"Carnaval 2026 (16 and 17 February)", laPaz, "2026-02-13 09:00", 1, "2026-02-18 16:30"},
		{"Carnaval 2026, three days", laPaz, "2026-02-13 09:00", 3, "2026-02-20 16:30"},
		{"Carnaval 2027 (8 and 9 February)", laPaz, "2027-02-05 09:00", 1, "2027-02-10 16:30"},
		{"Viernes Santo 2026 (3 April)", laPaz, "2026-04-02 09:00", 1, "2026-04-06 16:30"},
		{"Viernes Santo 2027 (26 March)", laPaz, "2027-03-25 09:00", 1, "2027-03-29 16:30"},
		{"Día del Trabajo 2026 (a Friday)", laPaz, "2026-04-30 09:00", 1, "2026-05-04 16:30"},
		{"Corpus Christi 2026 (4 June)", laPaz, "2026-06-03 09:00", 1, "2026-06-05 16:30"},
		{"Corpus Christi 2026, three days", laPaz, "2026-06-03 09:00", 3, "2026-06-09 16:30"},
		{"Corpus Christi 2027 (27 May)", laPaz, "2027-05-26 09:00", 1, "2027-05-28 16:30"},
		{"Año Nuevo Andino on a Sunday 2026, observed Monday 22", laPaz, "2026-06-19 09:00", 1, "2026-06-23 16:30"},
		{"Año Nuevo on a Sunday 2023, observed Monday 2", laPaz, "2022-12-30 09:00", 1, "2023-01-03 16:30"},
		{"Estado Plurinacional on a Sunday 2023, observed Monday 23", laPaz, "2023-01-20 09:00", 1, "2023-01-24 16:30"},
		{"Día del Trabajo on a Sunday 2022, observed Monday 2", laPaz, "2022-04-29 09:00", 1, "2022-05-03 16:30"},
		{"Independencia on a Sunday 2023, observed Monday 7", laPaz, "2023-08-04 09:00", 1, "2023-08-08 16:30"},
		{"Navidad on a Sunday 2022, observed Monday 26", laPaz, "2022-12-23 09:00", 1, "2022-12-27 16:30"},
		{"Independencia 2026 (a Thursday)", laPaz, "2026-08-05 09:00", 1, "2026-08-07 16:30"},
		{"Todos Santos 2026 (a Monday)", laPaz, "2026-10-30 09:00", 1, "2026-11-03 16:30"},
		{"Navidad 2026 at the year end", laPaz, "2026-12-24 09:00", 2, "2026-12-29 16:30"},
		{"across the year end 2026-2027", laPaz, "2026-12-30 09:00", 3, "2027-01-05 16:30"},
		{"Año Nuevo on a Saturday 2028 is not moved", laPaz, "2027-12-30 09:00", 2, "2028-01-03 16:30"},
		{"La Paz: 16 de julio 2026", laPaz, "2026-07-15 09:00", 1, "2026-07-17 16:30"},
		{"Santa Cruz works on 16 de julio", calendar.Settings{Department: "Santa Cruz"}, "2026-07-15 09:00", 1, "2026-07-16 16:30"},
		{"Santa Cruz: 24 de septiembre 2026", calendar.Settings{Department: "Santa Cruz"}, "2026-09-23 09:00", 1, "2026-09-25 16:30"},
		{"Cochabamba: 14 de septiembre 2026", calendar.Settings{Department: "cochabamba"}, "2026-09-11 09:00", 1, "2026-09-15 16:30"},
		{"La Paz works on 14 de septiembre", laPaz, "2026-09-11 09:00", 1, "2026-09-14 16:30"},
		{"Oruro: 10 de febrero 2026", calendar.Settings{Department: "Oruro"}, "2026-02-09 09:00", 1, "2026-02-11 16:30"},
		{"Potosí, written without accent", calendar.Settings{Department: "POTOSI"}, "2026-11-09 09:00", 1, "2026-11-11 16:30"},
		{"Tarija: 15 de abril 2026", calendar.Settings{Department: "Tarija"}, "2026-04-14 09:00", 1, "2026-04-16 16:30"},
		{"Chuquisaca: 25 de mayo 2026", calendar.Settings{Department: "Chuquisaca"}, "2026-05-22 09:00", 1, "2026-05-26 16:30"},
		{"Beni: 18 de noviembre 2026", calendar.Settings{Department: "Beni"}, "2026-11-17 09:00", 1, "2026-11-19 16:30"},
		{"Pando: 24 de septiembre 2026", calendar.Settings{Department: "Pando"}, "2026-09-23 09:00", 1, "2026-09-25 16:30"},
		{"a departmental holiday on a Sunday is not moved (La Paz 2028)", laPaz, "2028-07-14 09:00", 1, "2028-07-17 16:30"},
		{"no department: 16 de julio is a working day", calendar.Settings{}, "2026-07-15 09:00", 1, "2026-07-16 16:30"},
		{"a day off the agency declares", calendar.Settings{Department: "La Paz", DaysOff: []calendar.DayOff{{Date: "2026-12-24", Reason: "Tolerancia de Nochebuena"}}}, "2026-12-23 09:00", 2, "2026-12-29 16:30"},
		{"other working hours", calendar.Settings{Opens: "08:00", Closes: "16:00"}, "2026-01-26 10:00", 1, "2026-01-27 16:00"},
		{"twenty days across Carnaval and a weekend", laPaz, "2026-02-02 09:00", 20, "2026-03-04 16:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := calendar.New(tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.AddWorkdays(at(t, tt.start), tt.days); show(got) != show(at(t, tt.want)) {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.start, tt.days, show(got), show(at(t, tt.want)))
			}
		})
	}
}

// TestAddWorkingTime: hours count only within the working hours of
// working days.
func TestAddWorkingTime(t *testing.T) {
	c := calendar.MustNew(calendar.Settings{Department: "La Paz"})
	tests := []struct {
		start string
		hours time.Duration
		want  string
	}{
		{"2026-01-26 09:00", 4 * time.Hour, "2026-01-26 13:00"},
		{"2026-01-26 15:30", 4 * time.Hour, "2026-01-27 11:30"},
		{"2026-01-26 20:00", 2 * time.Hour, "2026-01-27 10:30"},
		{"2026-02-13 15:00", 4 * time.Hour, "2026-02-18 11:00"},                // Carnaval
		{"2026-04-02 16:00", 90 * time.Minute, "2026-04-06 09:30"},             // Viernes Santo
		{"2026-12-31 12:00", 8 * time.Hour, "2027-01-04 12:00"},                // Año Nuevo
		{"2026-06-19 16:00", 30*time.Minute + 8*time.Hour, "2026-06-23 16:30"}, // 21 de junio on a Sunday
	}
	for _, tt := range tests {
		if got := c.AddWorkingTime(at(t, tt.start), tt.hours); show(got) != show(at(t, tt.want)) {
			t.Errorf("AddWorkingTime(%s, %v) = %s, want %s", tt.start, tt.hours, show(got), show(at(t, tt.want)))
		}
	}
}

func TestWorkingTimeAndHolidays(t *testing.T) {
	c := calendar.MustNew(calendar.Settings{Department: "La Paz"})
	// Friday 13 February 2026 14:30 to Wednesday 18 at 10:30: two hours on
	// Friday, Carnaval on Monday and Tuesday, two hours on Wednesday.
	if got := c.WorkingTime(at(t, "2026-02-13 14:30"), at(t, "2026-02-18 10:30")); got != 4*time.Hour {
		t.Errorf("WorkingTime over Carnaval = %v, want 4h", got)
	}
	if got := c.WorkingTime(at(t, "2026-02-18 10:30"), at(t, "2026-02-13 14:30")); got != 0 {
		t.Errorf("WorkingTime backwards = %v, want 0", got)
	}
	for day, want := range map[string]string{
		"2026-02-16": "Carnaval (lunes)",
		"2026-02-17": "Carnaval (martes)",
		"2026-04-03": "Viernes Santo",
		"2026-06-04": "Corpus Christi",
		"2026-06-22": "Año Nuevo Andino Amazónico",
		"2026-07-16": "Efeméride departamental de La Paz",
		"2026-11-02": "Todos Santos",
	} {
		if got, ok := c.Holiday(at(t, day+" 12:00")); !ok || got != want {
			t.Errorf("Holiday(%s) = %q, %v; want %q", day, got, ok, want)
		}
	}
	for _, day := range []string{"2026-06-21", "2026-02-18", "2026-07-17"} {
		if got, ok := c.Holiday(at(t, day+" 12:00")); ok {
			t.Errorf("Holiday(%s) = %q, want none", day, got)
		}
	}
	// A time given in UTC is read in La Paz: 02:00 UTC on Tuesday 17 is
	// still Monday 16 in La Paz, Carnaval.
	if c.IsWorkday(time.Date(2026, 2, 17, 2, 0, 0, 0, time.UTC)) {
		t.Error("02:00 UTC on 17 February 2026 (Carnaval Monday in La Paz) counted as a working day")
	}
	if got := c.CloseOfDay(at(t, "2026-02-13 18:00")); show(got) != show(at(t, "2026-02-18 16:30")) {
		t.Errorf("CloseOfDay after Friday's close = %s, want Wednesday 18 at 16:30", show(got))
	}
}

func TestBadSettings(t *testing.T) {
	tests := []struct {
		s    calendar.Settings
		want []string
	}{
		{calendar.Settings{Department: "Atlántida"}, []string{`el departamento "Atlántida" no existe`, "La Paz"}},
		{calendar.Settings{DaysOff: []calendar.DayOff{{Date: "24/12/2026"}}}, []string{`"24/12/2026" no es una fecha AAAA-MM-DD`}},
		{calendar.Settings{Opens: "8h", Closes: "25:00"}, []string{`apertura: la hora "8h"`, `cierre: la hora "25:00"`}},
		{calendar.Settings{Opens: "17:00", Closes: "09:00"}, []string{"la jornada debe cerrar después de abrir (17:00–09:00)"}},
	}
	for _, tt := range tests {
		_, err := calendar.New(tt.s)
		if err == nil {
			t.Errorf("New(%+v) = nil error", tt.s)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(%+v) = %q, want it to say %q", tt.s, err, w)
			}
		}
	}
}
