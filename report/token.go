//go:build cgo

package report

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/ThalesGroup/crypto11"
	"github.com/miekg/pkcs11"

	"github.com/tramite/tramite/procedure"
)

// OpenToken logs into the token with the PIN and finds on it the signing
// certificate and its private key (paired by CKA_ID). The key never
// leaves the token: signatures are made on it. It returns EINVALID with a
// message for people when the module cannot be loaded, the token is not
// connected, the PIN is wrong or locked, or the token holds no
// certificate with its key.
func OpenToken(cfg TokenConfig) (*Token, error) {
	c := &crypto11.Config{Path: cfg.Module, Pin: cfg.PIN, TokenLabel: cfg.TokenLabel}
	which := "«" + cfg.TokenLabel + "»"
	if cfg.TokenLabel == "" {
		c.SlotNumber = &cfg.Slot
		which = fmt.Sprintf("de la ranura %d", cfg.Slot)
	}
	if cfg.PIN == "" {
		return nil, procedure.Errorf(procedure.EINVALID, "report: falta el PIN del token %s", which)
	}
	ctx, err := crypto11.Configure(c)
	if err != nil {
		return nil, tokenError(err, which, cfg.Module)
	}
	pairs, err := ctx.FindAllPairedCertificates()
	if err != nil {
		ctx.Close()
		return nil, tokenError(err, which, cfg.Module)
	}
	var id Identity
	for _, p := range pairs {
		s, ok := p.PrivateKey.(crypto.Signer)
		if !ok || p.Leaf == nil || p.Leaf.IsCA {
			continue
		}
		id = Identity{Signer: s, Chain: append([]*x509.Certificate{p.Leaf}, cfg.Issuers...)}
		break
	}
	if id.Signer == nil {
		ctx.Close()
		return nil, procedure.Errorf(procedure.EINVALID, "report: el token %s no tiene un certificado de firma con su clave privada", which)
	}
	if err := id.check(); err != nil {
		ctx.Close()
		return nil, err
	}
	return &Token{id: id, close: ctx.Close}, nil
}

// asTokenError returns the error of a token that failed while signing,
// said for people; ok is false for other errors.
func asTokenError(err error) (error, bool) {
	var pe pkcs11.Error
	if errors.As(err, &pe) {
		return tokenError(err, "de firma", ""), true
	}
	return nil, false
}

// tokenError says in Spanish what went wrong with a token.
func tokenError(err error, which, module string) error {
	msg := fmt.Sprintf("no se pudo usar el token %s: %v", which, err)
	var pe pkcs11.Error
	switch {
	case errors.As(err, &pe) && (pe == pkcs11.CKR_PIN_INCORRECT || pe == pkcs11.CKR_PIN_INVALID || pe == pkcs11.CKR_PIN_LEN_RANGE):
		msg = fmt.Sprintf("el PIN del token %s es incorrecto; tras varios intentos fallidos el token se bloquea", which)
	case errors.As(err, &pe) && pe == pkcs11.CKR_PIN_LOCKED:
		msg = fmt.Sprintf("el token %s está bloqueado por demasiados PIN incorrectos: acuda a la entidad certificadora para desbloquearlo", which)
	case errors.As(err, &pe) && (pe == pkcs11.CKR_TOKEN_NOT_PRESENT || pe == pkcs11.CKR_DEVICE_REMOVED || pe == pkcs11.CKR_SESSION_HANDLE_INVALID):
		msg = fmt.Sprintf("el token %s fue retirado: conéctelo y vuelva a intentar", which)
	case strings.Contains(err.Error(), "could not find PKCS#11 token"):
		msg = fmt.Sprintf("no se encontró el token %s: conéctelo y vuelva a intentar", which)
	case strings.Contains(err.Error(), "failed to open module"), strings.Contains(err.Error(), "failed to load module"):
		msg = fmt.Sprintf("no se pudo cargar el controlador PKCS#11 %q del token: revise la ruta configurada", module)
	}
	return &procedure.Error{Code: procedure.EINVALID, Op: "report: open token", Message: msg, Err: err}
}
