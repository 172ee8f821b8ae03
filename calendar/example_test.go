package calendar_test

import (
	"fmt"
	"time"

	"github.com/tramite/tramite/calendar"
)

func ExampleCalendar_AddWorkdays() {
	c, err := calendar.New(calendar.Settings{Department: "La Paz"})
	if err != nil {
		panic(err)
	}
	// A step received on Friday 13 February 2026 with three working days:
	// Carnaval (Monday 16 and Tuesday 17) does not count.
	received := time.Date(2026, 2, 13, 10, 0, 0, 0, calendar.LaPaz)
	fmt.Println(c.AddWorkdays(received, 3).Format("Mon 02/01/2006 15:04"))
	name, _ := c.Holiday(time.Date(2026, 2, 16, 12, 0, 0, 0, calendar.LaPaz))
	fmt.Println(name)
	// Output:
	// Fri 20/02/2026 16:30
	// Carnaval (lunes)
}
