package server_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tramite/tramite/server"
)

// TestOpenAPI: the document served lists every route the handler
// registers, with its method, and nothing else; every schema it refers to
// is defined; and the handler answers no other method on those paths.
func TestOpenAPI(t *testing.T) {
	e := newEnv(t)
	ans := e.raw("GET", "/openapi.json", "", "", nil)
	if ans.status != 200 || !strings.HasPrefix(ans.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: %d %v", ans.status, ans.header)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(ans.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var documented []string
	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			var op struct {
				ID         string                     `json:"operationId"`
				Responses  map[string]json.RawMessage `json:"responses"`
				Parameters []struct {
					Name string `json:"name"`
					In   string `json:"in"`
				} `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			if op.ID == "" || ids[op.ID] || len(op.Responses) < 2 {
				t.Errorf("%s %s: operation %q with %d responses", method, path, op.ID, len(op.Responses))
			}
			ids[op.ID] = true
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				if !slices.ContainsFunc(op.Parameters, func(p struct {
					Name string `json:"name"`
					In   string `json:"in"`
				}) bool {
					return p.Name == m[1] && p.In == "path"
				}) {
					t.Errorf("%s %s does not describe its parameter %s", method, path, m[1])
				}
			}
		}
	}
	registered := server.Routes()
	slices.Sort(documented)
	slices.Sort(registered)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is registered but not documented", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("%s is documented but not registered", d)
		}
	}
	for _, m := range regexp.MustCompile(`"\$ref": "#/components/schemas/(\w+)"`).FindAllStringSubmatch(string(ans.body), -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("schema %s is referred to but not defined", m[1])
		}
	}
	for _, name := range []string{"Case", "Actor", "Definition", "EventDef", "Entry", "Document", "OutboxItem", "ErrorBody", "SessionBody"} {
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("no schema %s", name)
		}
	}
	if strings.Contains(string(doc.Components.Schemas["Case"]), "secrets") || strings.Contains(string(doc.Components.Schemas["Document"]), "content") {
		t.Errorf("the schemas show fields the JSON never holds")
	}

	// The handler serves exactly those methods on those paths: each route
	// is reached (401 without a session, not 404 or 405) and any other
	// method answers 405.
	for path, ops := range doc.Paths {
		concrete := strings.NewReplacer("{id}", "PR01-2026-0001", "{topic}", "nota-remision", "{event}", "forward").Replace(strings.TrimPrefix(path, server.BasePath))
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			ans := e.raw(method, concrete, "", "", nil)
			_, served := ops[strings.ToLower(method)]
			switch {
			case served && (ans.status == 404 || ans.status == 405):
				t.Errorf("%s %s is documented but answered %d", method, path, ans.status)
			case !served && ans.status != 405:
				t.Errorf("%s %s is not documented but answered %d", method, path, ans.status)
			}
		}
	}
}
