package server

import (
	"net/http"

	"github.com/tramite/tramite/report"
)

// signRequestBody is the body of POST /cases/{id}/documents/{topic}/signatures:
// the version signed and the signed PDF (base64 in JSON).
type signRequestBody struct {
	// Version is the version of the document that was signed.
	Version int `json:"version"`
	// Content is that version with one signature added, as Sign makes it.
	Content []byte `json:"content"`
}

func (s *Server) signingOrUnavailable() (*report.Signing, error) {
	if s.signing == nil {
		return nil, &httpError{status: http.StatusServiceUnavailable, code: codeUnavailable,
			message: "este servidor no recibe firmas personales: los documentos los firma el propio servidor"}
	}
	return s.signing, nil
}

// toSign answers GET /signatures: what the person must sign now, in the
// cases that changed last or in the one case named by ?case=.
func toSign(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	sg, err := s.signingOrUnavailable()
	if err != nil {
		return err
	}
	var rs []report.SignRequest
	if id := r.URL.Query().Get("case"); id != "" {
		rs, err = sg.ToSignIn(r.Context(), c.actor, id)
	} else {
		rs, err = sg.ToSign(r.Context(), c.actor)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}

// signatureStatus answers GET /cases/{id}/signatures: who has signed each
// document of the case and who still must.
func signatureStatus(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	sg, err := s.signingOrUnavailable()
	if err != nil {
		return err
	}
	st, err := sg.Status(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// addSignature answers POST /cases/{id}/documents/{topic}/signatures: the
// person hands back the version they signed at their desk.
func addSignature(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	sg, err := s.signingOrUnavailable()
	if err != nil {
		return err
	}
	var body signRequestBody
	if err := decode(r, &body, false); err != nil {
		return err
	}
	if body.Version <= 0 || len(body.Content) == 0 {
		return badRequest("faltan la versión firmada (version) y el documento firmado (content)")
	}
	doc, err := sg.Accept(r.Context(), c.actor, r.PathValue("id"), r.PathValue("topic"), body.Version, body.Content)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, doc)
	return nil
}
