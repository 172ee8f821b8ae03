package manual_test

import (
	"testing"

	"github.com/tramite/tramite/procedure/manual"
)

func TestDefinitionsValidate(t *testing.T) {
	for _, d := range manual.Definitions() {
		if err := d.Validate(); err != nil {
			t.Fatalf("%s: %v", d.Code, err)
		}
	}
}
