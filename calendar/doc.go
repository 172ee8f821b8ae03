// Package calendar is the Bolivian working-day calendar deadlines are counted
// in: the national holidays (with the rule that moves one falling on a
// Sunday to the Monday after), the holiday of the department the agency sits
// in, and the days off the agency declares, on the business-day arithmetic
// of github.com/rickar/cal/v2, in the America/La_Paz time zone.
//
// A *Calendar implements procedure.Calendar: give it to the engine with
// procedure.WithCalendar and the deadlines a definition declares are counted
// in its working days and hours.
package calendar
