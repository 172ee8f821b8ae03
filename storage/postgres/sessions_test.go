package postgres_test

import (
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func TestSessions(t *testing.T) {
	serverURL(t)
	proceduretest.TestSessions(t, func(t *testing.T) interface {
		procedure.People
		procedure.Sessions
	} {
		s, _ := mustOpen(t)
		return s
	})
}
