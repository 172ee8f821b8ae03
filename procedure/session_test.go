package procedure_test

import (
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func TestStaticDirectorySessions(t *testing.T) {
	proceduretest.TestSessions(t, func(t *testing.T) interface {
		procedure.People
		procedure.Sessions
	} {
		return procedure.NewDirectory()
	})
}
