package procedure

import (
	"errors"
	"fmt"
)

// Code classifies an Error so that programs can branch on it and user
// interfaces can choose how to show it.
type Code string

// Error codes returned by the engine and by stores.
const (
	// EFORBIDDEN: the actor may not do this (wrong role, not the assigned
	// profesional, not a member of the requesting unit).
	EFORBIDDEN Code = "forbidden"
	// EINVALIDTRANSITION: the event cannot be fired from the case's state.
	EINVALIDTRANSITION Code = "invalid_transition"
	// EINVALID: an input, a definition or an argument is missing or malformed.
	EINVALID Code = "invalid_input"
	// ECONFLICT: someone else changed the case first; reload and retry.
	ECONFLICT Code = "conflict"
	// ENOTFOUND: the case, procedure, actor or record does not exist.
	ENOTFOUND Code = "not_found"
	// EINTERNAL: an unexpected failure (storage, encryption, a bug).
	EINTERNAL Code = "internal"
)

// Error is the one error type of tramite. Message is written in Spanish for
// staff; Op names the operation that failed and Err keeps the cause.
type Error struct {
	Code    Code
	Message string
	Op      string
	Err     error
	// Problems lists every individual problem when one error stands for
	// several, as when a definition fails validation.
	Problems []string
}

// Error implements the error interface.
func (e *Error) Error() string {
	s := ""
	if e.Op != "" {
		s = e.Op + ": "
	}
	s += e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted Spanish message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil,
// and EINTERNAL for any other error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the Spanish message of the first *Error in err's
// chain, or a generic message for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Error interno. Intente nuevamente o contacte al administrador del sistema."
}

// wrapOp sets op on an *Error, or wraps any other error as EINTERNAL.
func wrapOp(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		if c.Op == "" {
			c.Op = op
		}
		return &c
	}
	return &Error{Code: EINTERNAL, Op: op, Message: "error interno", Err: err}
}
