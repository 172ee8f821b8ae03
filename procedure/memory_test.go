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

func TestStaticDirectoryCertificates(t *testing.T) {
	proceduretest.TestCertificates(t, func(t *testing.T) interface {
		procedure.People
		procedure.Certificates
	} {
		return procedure.NewDirectory()
	})
}
