package report_test

import (
	"os"
	"sync"
	"testing"
)

// hsm is the SoftHSM of the tests: one token directory per test binary,
// named by SOFTHSM2_CONF before the module is first loaded (SoftHSM reads
// its configuration once per process).
var hsm struct {
	once   sync.Once
	dir    string
	module string
	err    error
}

// TestMain removes the SoftHSM token directory the token tests create
// (softHSM) once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if hsm.dir != "" {
		os.RemoveAll(hsm.dir)
	}
	os.Exit(code)
}
