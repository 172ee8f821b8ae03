package manual

import (
	_ "embed"
	"slices"
)

//go:embed plazos-ejemplo.json
var exampleDeadlines []byte

// ExampleDeadlines returns an example of the deadlines an agency may set on
// PR01 and PR02, as procedure.ApplyDeadlines reads them: the manual sets
// none, so they are an extension of the agency, and Definitions carries
// none. The example gives step 2 four working hours, step 3 one working
// day, step 4 ten (the profesional's work: a case waits for step 4 from
// the instruction until the report of step 6), steps 7 and 8 two and step
// 9 three; the clock stands still while a case is observed (waiting on the
// requester in step 5);
// a late step sends a reminder to whoever holds it and a notice to the
// Jefe de la UIT (or whoever holds the role a.i.).
func ExampleDeadlines() []byte { return slices.Clone(exampleDeadlines) }
