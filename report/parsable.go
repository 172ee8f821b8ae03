package report

import (
	"bytes"
	"errors"
	"strconv"
)

// The PDF parser underneath (github.com/digitorus/pdf) never comes back
// from some malformed input: an array, string or hex string left open at
// the end of the file, or an array with "endobj" in it, makes it loop for
// ever, and a document handed in by a desk or given to tramite-verify may
// be hostile. checkParsable reads, with a small lexer of its own, every
// object the parser may read (each offset of the cross-reference tables,
// and the trailers) and refuses the document when one of them would do
// that. Documents with cross-reference streams (and so object streams)
// are refused too: neither tramite nor the signing library writes them.
func checkParsable(b []byte) error {
	tail := b[max(0, len(b)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return errors.New("falta startxref")
	}
	off, ok := leadingInt(tail[i+len("startxref"):])
	seen := map[int64]bool{}
	for ok {
		if off < 0 || off >= int64(len(b)) || seen[off] {
			return errors.New("la tabla de referencias cruzadas no es válida")
		}
		seen[off] = true
		prev, err := checkXref(b, int(off))
		if err != nil {
			return err
		}
		off, ok = prev, prev >= 0
	}
	return nil
}

// checkXref checks the cross-reference table at off, every object it
// lists and its trailer; it returns the trailer's /Prev, or -1.
func checkXref(b []byte, off int) (int64, error) {
	lx := lexer{b: b, pos: off}
	if tok, _ := lx.next(); tok != "xref" {
		return -1, errors.New("el documento usa tablas de referencias cruzadas comprimidas, que este verificador no lee")
	}
	for {
		tok, err := lx.next()
		if err != nil {
			return -1, err
		}
		if tok == "trailer" {
			break
		}
		if tok == "" {
			return -1, errors.New("la tabla de referencias cruzadas no tiene trailer")
		}
		start, err1 := strconv.Atoi(tok)
		count, err2 := lx.nextInt()
		if err1 != nil || err2 != nil || start < 0 || count < 0 || count > len(b) {
			return -1, errors.New("la tabla de referencias cruzadas no es válida")
		}
		for range count {
			o, err1 := lx.nextInt()
			_, err2 := lx.nextInt()
			kind, err3 := lx.next()
			if err1 != nil || err2 != nil || err3 != nil || (kind != "n" && kind != "f") {
				return -1, errors.New("la tabla de referencias cruzadas no es válida")
			}
			if kind == "n" && o > 0 {
				if o >= len(b) {
					return -1, errors.New("una referencia cruzada apunta fuera del documento")
				}
				if err := checkObjectAt(b, o); err != nil {
					return -1, err
				}
			}
		}
	}
	// The trailer dictionary, and its /Prev.
	prev := int64(-1)
	depth := 0
	last := ""
	for {
		tok, err := lx.next()
		if err != nil {
			return -1, err
		}
		switch tok {
		case "":
			return -1, errors.New("el trailer queda abierto hasta el final del archivo")
		case "<<", "[":
			depth++
		case ">>", "]":
			depth--
		case "endobj":
			return -1, errors.New("el trailer no es válido")
		}
		if last == "/Prev" && depth == 1 {
			if n, err := strconv.ParseInt(tok, 10, 64); err == nil {
				prev = n
			}
		}
		last = tok
		if depth <= 0 {
			return prev, nil
		}
	}
}

// checkObjectAt reads the object at off as the parser would and fails
// where the parser would not come back.
func checkObjectAt(b []byte, off int) error {
	lx := lexer{b: b, pos: off}
	var stack []string
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch tok {
		case "": // the end of the file
			if len(stack) > 0 {
				return errors.New("un objeto del documento queda abierto hasta el final del archivo")
			}
			return nil
		case "[", "<<":
			stack = append(stack, tok)
		case "]", ">>":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case "endobj":
			if len(stack) > 0 && stack[len(stack)-1] == "[" {
				return errors.New("un objeto del documento termina dentro de una lista")
			}
			if len(stack) == 0 {
				return nil
			}
		case "stream":
			if len(stack) == 0 {
				return nil
			}
		}
	}
}

// lexer splits PDF syntax into tokens as the parser does: strings, hex
// strings and comments are skipped whole ("(" or "<" is returned for
// them), names keep their slash.
type lexer struct {
	b   []byte
	pos int
}

func isPDFSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isPDFDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

// next returns the next token, "" at the end of the file, or an error
// for a string or hex string the file ends in.
func (lx *lexer) next() (string, error) {
	b := lx.b
	for lx.pos < len(b) {
		c := b[lx.pos]
		switch {
		case isPDFSpace(c):
			lx.pos++
			continue
		case c == '%':
			for lx.pos < len(b) && b[lx.pos] != '\r' && b[lx.pos] != '\n' {
				lx.pos++
			}
			continue
		}
		break
	}
	if lx.pos >= len(b) {
		return "", nil
	}
	start := lx.pos
	c := b[lx.pos]
	lx.pos++
	switch c {
	case '(':
		depth := 1
		for depth > 0 {
			if lx.pos >= len(b) {
				return "", errors.New("una cadena del documento queda abierta hasta el final del archivo")
			}
			switch b[lx.pos] {
			case '\\':
				lx.pos++
			case '(':
				depth++
			case ')':
				depth--
			}
			lx.pos++
		}
		return "(", nil
	case '<':
		if lx.pos < len(b) && b[lx.pos] == '<' {
			lx.pos++
			return "<<", nil
		}
		end := bytes.IndexByte(b[lx.pos:], '>')
		if end < 0 {
			return "", errors.New("una cadena hexadecimal del documento queda abierta hasta el final del archivo")
		}
		lx.pos += end + 1
		return "<", nil
	case '>':
		if lx.pos < len(b) && b[lx.pos] == '>' {
			lx.pos++
			return ">>", nil
		}
		return ">", nil
	case '[', ']', '{', '}', ')':
		return string(c), nil
	}
	for lx.pos < len(b) && !isPDFDelim(b[lx.pos]) && !isPDFSpace(b[lx.pos]) {
		lx.pos++
	}
	return string(b[start:lx.pos]), nil
}

func (lx *lexer) nextInt() (int, error) {
	tok, err := lx.next()
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(tok)
}

// leadingInt reads the decimal number that b starts with, after spaces.
func leadingInt(b []byte) (int64, bool) {
	b = bytes.TrimLeft(b, " \t\r\n\f\x00")
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	v, err := strconv.ParseInt(string(b[:n]), 10, 64)
	return v, err == nil
}
