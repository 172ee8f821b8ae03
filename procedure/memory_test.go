package procedure_test

import (
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func TestMemoryStore(t *testing.T) {
	proceduretest.TestStore(t, func(t *testing.T) procedure.Store { return procedure.NewMemoryStore() })
}

func TestStaticDirectory(t *testing.T) {
	proceduretest.TestPeople(t, func(t *testing.T) procedure.People { return procedure.NewDirectory() })
}
