package notify

import (
	"errors"

	"github.com/emersion/go-sasl"
)

// errLoginSteps is the error of a LOGIN exchange in which the server asked
// for more than a username and a password.
var errLoginSteps = errors.New("AUTH LOGIN: the server asked for a third value")

// loginClient is the LOGIN mechanism as mail clients speak it: the username
// in answer to the server's first challenge and the password to its second,
// whatever the prompts say. go-sasl's LOGIN client expects the literal
// prompt "Password:" and fails against servers that word it otherwise
// (aiosmtpd asks "User Name\x00" and "Password\x00"); the prompts are
// informational in draft-murchison-sasl-login, not part of the protocol.
type loginClient struct {
	username, password string
	step               int
}

var _ sasl.Client = (*loginClient)(nil)

// Start sends no initial response, so that the server's first challenge
// asks for the username, as every LOGIN server does.
func (c *loginClient) Start() (string, []byte, error) {
	c.step = 0
	return sasl.Login, nil, nil
}

// Next answers the first challenge with the username and the second with
// the password; a third is an error (the exchange is then cancelled).
func (c *loginClient) Next(challenge []byte) ([]byte, error) {
	c.step++
	switch c.step {
	case 1:
		return []byte(c.username), nil
	case 2:
		return []byte(c.password), nil
	}
	return nil, errLoginSteps
}
