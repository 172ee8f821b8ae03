package report

import (
	"crypto/x509"
)

// TokenConfig says where a signer's key lives on a PKCS#11 token (a USB
// token or smart card of ADSIB or a private certification entity, or
// SoftHSM in tests).
type TokenConfig struct {
	// Module is the path of the token's PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Module string
	// TokenLabel names the token; Slot is used instead when it is empty.
	TokenLabel string
	Slot       int
	// PIN is the user's PIN. The desk asks for it each time and keeps it
	// nowhere.
	PIN string
	// Issuers complete the chain of the certificate on the token (its
	// intermediates and root), which the token usually does not hold;
	// revocation data can only be fetched with the issuer.
	Issuers []*x509.Certificate
}

// Token is an open PKCS#11 session on a signer's token. Close it when
// done: the key stays usable only while it is open.
type Token struct {
	id    Identity
	close func() error
}

// Identity returns the identity on the token.
func (t *Token) Identity() Identity { return t.id }

// Close ends the session; the identity cannot sign any more.
func (t *Token) Close() error { return t.close() }
