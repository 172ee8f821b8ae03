//go:build !cgo

package report

import "github.com/tramite/tramite/procedure"

// OpenToken needs cgo to load the token's PKCS#11 library: built without
// it, it returns EINVALID saying so.
func OpenToken(cfg TokenConfig) (*Token, error) {
	return nil, procedure.Errorf(procedure.EINVALID, "report: este programa se compiló sin soporte para tokens PKCS#11 (sin cgo): use un archivo PKCS#12 o una compilación con cgo")
}

func asTokenError(error) (error, bool) { return nil, false }
