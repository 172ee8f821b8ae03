package desk

import (
	"os"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
)

// Signer says where a person's own signing identity is: a PKCS#12 file
// (File) or a PKCS#11 token (Module and Token, the token's label).
type Signer struct {
	File   string
	Module string
	Token  string
}

// Open loads the identity with the password (of the file) or PIN (of the
// token), which is used once and kept nowhere. The returned close ends
// the token's session; call it when done signing. It returns EINVALID,
// in Spanish, when nothing is configured, the file cannot be read, or the
// password or PIN is wrong.
func (s Signer) Open(secret string) (report.Identity, func(), error) {
	switch {
	case s.Module != "" || s.Token != "":
		if s.Module == "" || s.Token == "" {
			return report.Identity{}, nil, procedure.Errorf(procedure.EINVALID, "para firmar con un token indique el controlador PKCS#11 y la etiqueta del token")
		}
		tok, err := report.OpenToken(report.TokenConfig{Module: s.Module, TokenLabel: s.Token, PIN: secret})
		if err != nil {
			return report.Identity{}, nil, err
		}
		return tok.Identity(), func() { tok.Close() }, nil
	case s.File != "":
		data, err := os.ReadFile(s.File)
		if err != nil {
			return report.Identity{}, nil, procedure.Errorf(procedure.EINVALID, "no se pudo leer el archivo de firma %s: %v", s.File, err)
		}
		id, err := report.LoadPKCS12Identity(data, secret)
		return id, func() {}, err
	}
	return report.Identity{}, nil, procedure.Errorf(procedure.EINVALID, "no indicó con qué firmar: elija su archivo PKCS#12 (.p12) o su token PKCS#11")
}
