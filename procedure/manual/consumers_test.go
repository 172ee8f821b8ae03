package manual_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure/manual"
)

// TestConsumersKnowNoProcedure reads the non-test Go files of report,
// notify and the client (app): none names a code, an event, a document or
// email topic or an input of PR01 or PR02, in code or in comments, and
// none imports this package but for the client's wiring of the manual's
// procedures and demo data. What documents and emails say, and what the
// client shows, comes from the definitions.
func TestConsumersKnowNoProcedure(t *testing.T) {
	vocabulary := map[string]string{"UIT/ASS-PR01": "code", "UIT/ASS-PR02": "code"}
	for _, d := range manual.Definitions() {
		vocabulary[d.Code] = "code"
		for _, ev := range d.Events {
			vocabulary[string(ev.Name)] = "event"
			for _, in := range ev.Inputs {
				// The inputs the definition names as its system,
				// description and unit are generic (Definition.System…).
				if in.Name != d.System && in.Name != d.Description && in.Name != d.Unit {
					vocabulary[in.Name] = "input"
				}
			}
			for _, ef := range ev.Effects {
				vocabulary[ef.Topic] = "topic"
			}
		}
	}
	allowed := map[string]bool{"Definitions": true, "DemoPeople": true, "SeedDemo": true} // the client's wiring
	checked := 0
	for _, dir := range []string{"../../report", "../../notify", "../../app"} {
		err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			checked++
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
			if err != nil {
				return err
			}
			for _, cg := range f.Comments {
				for _, w := range []string{"PR01", "PR02"} {
					if strings.Contains(cg.Text(), w) {
						t.Errorf("%s: a comment names %s", fset.Position(cg.Pos()), w)
					}
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.BasicLit:
					if x.Kind != token.STRING {
						break
					}
					s, err := strconv.Unquote(x.Value)
					if err != nil {
						break
					}
					if kind, ok := vocabulary[s]; ok {
						t.Errorf("%s: %q is a name of PR01 or PR02 (%s)", fset.Position(x.Pos()), s, kind)
					}
					if strings.Contains(s, "PR01") || strings.Contains(s, "PR02") {
						t.Errorf("%s: %q names PR01 or PR02", fset.Position(x.Pos()), s)
					}
				case *ast.SelectorExpr:
					if id, ok := x.X.(*ast.Ident); ok && id.Name == "manual" && !allowed[x.Sel.Name] {
						t.Errorf("%s: manual.%s", fset.Position(x.Pos()), x.Sel.Name)
					}
				case *ast.ImportSpec:
					if strings.Contains(x.Path.Value, "procedure/manual") && !strings.Contains(path, "app") {
						t.Errorf("%s: %s imports the manual's procedures", fset.Position(x.Pos()), path)
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 30 {
		t.Fatalf("only %d files read", checked)
	}
}

// TestEngineKnowsNoRole reads the non-test Go files of the engine
// (procedure, not this package), of report, notify and the server: no
// string in their code is a role of the manual's procedures, and none
// cites the manual, so that who may act, read secrets or receive mail,
// and what emails and documents cite, come from each definition.
func TestEngineKnowsNoRole(t *testing.T) {
	roles := map[string]bool{}
	for _, d := range manual.Definitions() {
		for _, r := range d.Roles {
			roles[string(r.ID)] = true
		}
	}
	if len(roles) < 4 {
		t.Fatalf("the manual has %d roles", len(roles))
	}
	checked := 0
	for _, dir := range []string{"..", "../../report", "../../notify", "../../server"} {
		entries, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range entries {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			checked++
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				x, ok := n.(*ast.BasicLit)
				if !ok || x.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(x.Value)
				if err != nil {
					return true
				}
				if roles[s] {
					t.Errorf("%s: %q is a role of the manual", fset.Position(x.Pos()), s)
				}
				if strings.Contains(s, "UIT/ASS-M01") && !strings.HasSuffix(path, "openapi.go") { // the server's own description
					t.Errorf("%s: %q cites the manual", fset.Position(x.Pos()), s)
				}
				return true
			})
		}
	}
	if checked < 40 {
		t.Fatalf("only %d files read", checked)
	}
}
