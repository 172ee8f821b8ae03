package procedure

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Hash returns the definition's content hash: the hex SHA-256 of its JSON
// encoding (the document LoadDefinition reads). A case records the hash of
// the definition it started under (Case.DefinitionHash) and finishes under
// that version, whatever version is current by then.
func (d *Definition) Hash() string {
	b, err := json.Marshal(d)
	if err != nil { // a Definition always encodes
		panic("procedure: encode definition: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// DefinitionOf returns the definition case c runs under: the version it
// started with (Case.DefinitionHash), or for a case that recorded none
// the current definition of its procedure. It returns ENOTFOUND for an
// unknown procedure and EINTERNAL when the engine was not given the
// version the case started with.
func (e *Engine) DefinitionOf(c Case) (*Definition, error) {
	cd, err := e.caseDef(c)
	if err != nil {
		return nil, err
	}
	return cd.def, nil
}

// caseDef returns the compiled definition case c runs under.
func (e *Engine) caseDef(c Case) (*compiled, error) {
	if c.DefinitionHash != "" {
		if cd, ok := e.versions[c.DefinitionHash]; ok {
			return cd, nil
		}
		if _, ok := e.defs[c.Procedure]; ok {
			return nil, Errorf(EINTERNAL, "el trámite %s se inició con otra versión del procedimiento %s (huella %.12s), que este programa no tiene: agregue esa versión a sus definiciones para concluirlo",
				c.ID, c.Procedure, c.DefinitionHash)
		}
	}
	cd, ok := e.defs[c.Procedure]
	if !ok {
		return nil, Errorf(ENOTFOUND, "el trámite %s es de un procedimiento desconocido %s", c.ID, quote(c.Procedure))
	}
	return cd, nil
}
