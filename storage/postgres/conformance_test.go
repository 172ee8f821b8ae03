package postgres_test

import (
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func TestStore(t *testing.T) {
	serverURL(t)
	proceduretest.TestStore(t, func(t *testing.T) procedure.Store {
		s, _ := mustOpen(t)
		return s
	})
}

func TestPeople(t *testing.T) {
	serverURL(t)
	proceduretest.TestPeople(t, func(t *testing.T) procedure.People {
		s, _ := mustOpen(t)
		return s
	})
}

func TestCertificates(t *testing.T) {
	serverURL(t)
	proceduretest.TestCertificates(t, func(t *testing.T) interface {
		procedure.People
		procedure.Certificates
	} {
		s, _ := mustOpen(t)
		return s
	})
}
