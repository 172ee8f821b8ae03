package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tramite/tramite/procedure"
)

// Codes of the errors the server answers itself, besides the procedure's.
const (
	codeUnauthenticated  = "unauthenticated"
	codeMethodNotAllowed = "method_not_allowed"
	codeTooLarge         = "too_large"
	codeMediaType        = "unsupported_media_type"
	codeThrottled        = "throttled"
	codeUnavailable      = "unavailable"
)

// internalMessage is the only message a 500 answer carries.
const internalMessage = "Error interno. Intente nuevamente o contacte al administrador del sistema."

// httpError is an error the server answers with its own status and code.
type httpError struct {
	status     int
	code       string
	message    string
	retryAfter int // seconds, for 429
	err        error
}

func (e *httpError) Error() string {
	if e.err != nil {
		return e.message + ": " + e.err.Error()
	}
	return e.message
}

func (e *httpError) Unwrap() error { return e.err }

func unauthenticated(msg string) error {
	return &httpError{status: http.StatusUnauthorized, code: codeUnauthenticated, message: msg}
}

func unavailable(msg string, err error) error {
	return &httpError{status: http.StatusServiceUnavailable, code: codeUnavailable, message: msg, err: err}
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail says what went wrong, in Spanish for staff.
type errorDetail struct {
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Problems []string `json:"problems,omitempty"`
}

// statusOf maps the engine's error codes to HTTP statuses.
func statusOf(code procedure.Code) int {
	switch code {
	case procedure.EINVALID:
		return http.StatusBadRequest
	case procedure.EFORBIDDEN:
		return http.StatusForbidden
	case procedure.ENOTFOUND:
		return http.StatusNotFound
	case procedure.ECONFLICT:
		return http.StatusConflict
	case procedure.EINVALIDTRANSITION:
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

// errorAnswer returns the status and body err is answered with. Internal
// errors get a generic message: their detail is for the log.
func errorAnswer(err error) (int, errorBody) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, errorBody{errorDetail{Code: he.code, Message: he.message}}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, errorBody{errorDetail{Code: codeTooLarge,
			Message: "el cuerpo de la solicitud supera los " + strconv.FormatInt(mbe.Limit, 10) + " bytes permitidos"}}
	}
	code := procedure.ErrorCode(err)
	status := statusOf(code)
	if status == http.StatusInternalServerError {
		return status, errorBody{errorDetail{Code: string(procedure.EINTERNAL), Message: internalMessage}}
	}
	body := errorBody{errorDetail{Code: string(code), Message: procedure.ErrorMessage(err)}}
	var pe *procedure.Error
	if errors.As(err, &pe) {
		body.Error.Problems = pe.Problems
	}
	return status, body
}

func writeError(w http.ResponseWriter, err error) int {
	status, body := errorAnswer(err)
	var he *httpError
	if errors.As(err, &he) && he.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.retryAfter))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tramite"`)
	}
	writeJSON(w, status, body)
	return status
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every value answered is one of this package's types or the
		// procedure's: failing to encode one is a bug.
		panic("server: encode answer: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func badRequest(format string, args ...any) error {
	return procedure.Errorf(procedure.EINVALID, format, args...)
}

// decode reads a request body that must be exactly one JSON object of v's
// fields, sent as application/json (UTF-8). The body's size is already
// limited by the handler (http.MaxBytesReader). With optional, an empty
// body is accepted and leaves v as it is.
func decode(r *http.Request, v any, optional bool) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("no se pudo leer el cuerpo de la solicitud")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 && optional {
		return nil
	}
	if err := jsonContent(r); err != nil {
		return err
	}
	if len(raw) == 0 {
		return badRequest("falta el cuerpo de la solicitud (un objeto JSON)")
	}
	if raw[0] != '{' {
		return badRequest("el cuerpo de la solicitud debe ser un objeto JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("el cuerpo de la solicitud tiene datos después del objeto JSON")
	}
	return nil
}

// jsonContent requires the request's Content-Type to be application/json,
// with no charset or UTF-8.
func jsonContent(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return &httpError{status: http.StatusUnsupportedMediaType, code: codeMediaType,
		message: "el cuerpo de la solicitud debe ser JSON (Content-Type: application/json; charset=utf-8)"}
}

// jsonError says in Spanish what is wrong with a JSON body, without
// echoing its content.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("el cuerpo de la solicitud no es JSON válido")
	case errors.As(err, &typ):
		return badRequest("el campo %q del cuerpo tiene un tipo equivocado", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for unknown fields; the field
		// name is the only part of its text used.
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if len(field) > 64 || !utf8.ValidString(field) {
			field = "(nombre demasiado largo)"
		}
		return &procedure.Error{Code: procedure.EINVALID, Message: fmt.Sprintf("el cuerpo de la solicitud tiene un campo desconocido: %q", field),
			Problems: []string{"campo desconocido: " + field}}
	default:
		return badRequest("el cuerpo de la solicitud no es válido")
	}
}
