package report_test

import (
	"os"
	"testing"
)

// TestMain removes the SoftHSM token directory the token tests create
// (softHSM) once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if hsm.dir != "" {
		os.RemoveAll(hsm.dir)
	}
	os.Exit(code)
}
