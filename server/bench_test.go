package server_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/tramite/tramite/procedure/proceduretest"
)

// BenchmarkRequest measures whole requests over a loopback connection: the
// session and actor read on each, the engine's read, the JSON answer.
func BenchmarkRequest(b *testing.B) {
	e := newEnv(b)
	cs := e.inProgress(proceduretest.UnitDesarrollo, "Portal")
	for range 50 {
		e.inProgress(proceduretest.UnitDesarrollo, "Otro")
	}
	ana := e.signIn(proceduretest.Solicitante)
	for _, bc := range []struct{ name, path string }{
		{"session", "/session"},
		{"case", "/cases/" + cs.ID},
		{"cases", "/cases?limit=50"},
		{"inbox", "/inbox"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", e.url+bc.path, nil)
			req.Header.Set("Authorization", "Bearer "+ana.token)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := e.ts.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatal(resp.Status)
				}
			}
		})
	}
}
