package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// openAPIDocument builds the OpenAPI 3.1 document of routes. Its schemas
// are read off the Go types the handlers encode and decode, so they follow
// every change of those types.
func openAPIDocument() ([]byte, error) {
	g := &schemas{defs: map[string]any{}, types: map[string]reflect.Type{}}
	errorRef := g.of(reflect.TypeOf(errorBody{}))
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		op, err := g.operation(rt, errorRef)
		if err != nil {
			return nil, err
		}
		p := BasePath + rt.path
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		m := strings.ToLower(rt.method)
		if _, dup := paths[p][m]; dup {
			return nil, fmt.Errorf("route %s %s listed twice", rt.method, p)
		}
		paths[p][m] = op
	}
	if g.err != nil {
		return nil, g.err
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "tramite",
			"version": "1",
			"description": "API del servidor de trámites de la UIT (manual UIT/ASS-M01): sesiones, trámites, documentos, " +
				"correos y eventos en vivo. Cada lectura responde por la persona que inició la sesión: un trámite que no " +
				"puede ver no existe para ella (404).",
		},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer",
					"description": "El token que devuelve POST /api/v1/session."},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

func (g *schemas) operation(rt route, errorRef map[string]any) (map[string]any, error) {
	d := rt.doc
	if d.id == "" || d.summary == "" || d.status == 0 {
		return nil, fmt.Errorf("route %s %s lacks its documentation", rt.method, rt.path)
	}
	op := map[string]any{"operationId": d.id, "summary": d.summary}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range d.query {
		params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.doc, "schema": map[string]any{"type": q.kind}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if d.body != nil {
		op["requestBody"] = map[string]any{"required": !d.bodyOptional,
			"content": map[string]any{"application/json": map[string]any{"schema": g.of(reflect.TypeOf(d.body))}}}
	}
	ok := map[string]any{"description": http.StatusText(d.status)}
	switch {
	case d.media != "":
		ok["content"] = map[string]any{d.media: map[string]any{"schema": map[string]any{"type": "string"}}}
	case d.result != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.of(reflect.TypeOf(d.result))}}
	}
	responses := map[string]any{strconv.Itoa(d.status): ok}
	statuses := append([]int{http.StatusInternalServerError}, d.errors...)
	if !rt.public {
		statuses = append(statuses, http.StatusUnauthorized)
		op["security"] = []any{map[string]any{"bearer": []any{}}}
	} else {
		op["security"] = []any{}
	}
	for _, st := range statuses {
		r := map[string]any{"description": http.StatusText(st),
			"content": map[string]any{"application/json": map[string]any{"schema": errorRef}}}
		if st == http.StatusTooManyRequests {
			r["headers"] = map[string]any{"Retry-After": map[string]any{"description": "segundos que esperar",
				"schema": map[string]any{"type": "integer"}}}
		}
		responses[strconv.Itoa(st)] = r
	}
	op["responses"] = responses
	return op, nil
}

// schemas turns Go types into JSON Schemas as encoding/json encodes them;
// every named struct becomes a component.
type schemas struct {
	defs  map[string]any
	types map[string]reflect.Type
	err   error
}

var timeType = reflect.TypeOf(time.Time{})

func (g *schemas) of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		return g.of(t.Elem())
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return map[string]any{"type": "string", "contentEncoding": "base64"}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	case t.Kind() == reflect.Interface:
		return map[string]any{}
	case t.Kind() != reflect.Struct:
		g.fail(fmt.Errorf("no schema for %s", t))
		return map[string]any{}
	case t.Name() == "":
		return g.object(t)
	}
	name := []rune(t.Name())
	name[0] = unicode.ToUpper(name[0])
	key := string(name)
	if prev, ok := g.types[key]; ok {
		if prev != t {
			g.fail(fmt.Errorf("two types named %s: %s and %s", key, prev, t))
		}
	} else {
		g.types[key] = t
		g.defs[key] = map[string]any{} // placeholder against recursion
		g.defs[key] = g.object(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + key}
}

// object is the schema of a struct's JSON fields: a field without
// omitempty or omitzero is required.
func (g *schemas) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	required := []string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			fs := g.of(f.Type)
			if !strings.Contains(","+opts+",", ",omitempty,") && !strings.Contains(","+opts+",", ",omitzero,") {
				required = append(required, name)
				if k := f.Type.Kind(); k == reflect.Slice || k == reflect.Map {
					fs["type"] = []any{fs["type"], "null"} // a nil slice or map encodes as null
				}
			}
			props[name] = fs
		}
	}
	walk(t)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func (g *schemas) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}
