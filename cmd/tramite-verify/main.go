// Command tramite-verify checks the digital signatures of a PDF that
// tramite produced, offline, and reports on each one, in Spanish or as
// JSON: who signed, whether the certificate was valid when signing, the
// timestamp, the revocation data embedded, and whether the document is
// unchanged since.
//
//	tramite-verify -ca ca.pem [-tsa-ca tsa.pem] [-ltv] [-json] documento.pdf...
//
// -ca names the certification authorities to trust (PEM, repeatable; the
// ATT root and ADSIB in production, dev-ca.pem of a development identity
// otherwise); -tsa-ca the time-stamping authorities' roots when they
// differ; -ltv requires a timestamp and embedded revocation data on every
// signature (long-term validation, PAdES B-LT). The exit status is 0 when
// every signature of every document is valid, 1 when one is not and 2 when
// a file cannot be read.
package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitValid   = 0
	exitInvalid = 1
	exitError   = 2
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(s string) error { *f = append(*f, s); return nil }

// result is the JSON report of one document.
type result struct {
	File       string             `json:"file"`
	Valid      bool               `json:"valid"`
	Error      string             `json:"error,omitempty"`
	Signatures []report.Signature `json:"signatures"`
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("tramite-verify", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var cas, tsas files
	fl.Var(&cas, "ca", "certificado PEM de una entidad certificadora de confianza (se puede repetir)")
	fl.Var(&tsas, "tsa-ca", "certificado PEM de la raíz de las autoridades de sellado de tiempo, si no es una de -ca")
	ltv := fl.Bool("ltv", false, "exigir sello de tiempo y datos de revocación en cada firma (validación a largo plazo)")
	asJSON := fl.Bool("json", false, "informar en JSON")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "uso: tramite-verify -ca ca.pem [-tsa-ca tsa.pem] [-ltv] [-json] documento.pdf...")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return exitError
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return exitError
	}
	opts := report.VerifyOptions{RequireTimestamp: *ltv, RequireRevocation: *ltv}
	var err error
	if opts.Roots, err = pool(cas); err != nil {
		fmt.Fprintln(stderr, "tramite-verify:", err)
		return exitError
	}
	if len(tsas) > 0 {
		if opts.TSARoots, err = pool(tsas); err != nil {
			fmt.Fprintln(stderr, "tramite-verify:", err)
			return exitError
		}
	}
	code := exitValid
	var results []result
	for _, path := range fl.Args() {
		r := verify(path, opts)
		switch {
		case r.Error != "":
			code = exitError
		case !r.Valid && code == exitValid:
			code = exitInvalid
		}
		if *asJSON {
			results = append(results, r)
			continue
		}
		if len(fl.Args()) > 1 {
			fmt.Fprintf(stdout, "== %s\n", path)
		}
		if r.Error != "" {
			fmt.Fprintf(stdout, "No se pudo verificar: %s\n", r.Error)
			continue
		}
		if err := report.DescribeSignatures(stdout, r.Signatures); err != nil {
			fmt.Fprintln(stderr, "tramite-verify:", err)
			return exitError
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			fmt.Fprintln(stderr, "tramite-verify:", err)
			return exitError
		}
	}
	return code
}

func verify(path string, opts report.VerifyOptions) result {
	r := result{File: path, Signatures: []report.Signature{}}
	b, err := os.ReadFile(path)
	if err != nil {
		r.Error = fmt.Sprintf("no se pudo leer %s: %v", path, errors.Unwrap(err))
		return r
	}
	sigs, err := report.VerifySignatures(b, opts)
	var pe *procedure.Error
	switch {
	case errors.As(err, &pe) && pe.Message != "":
		r.Error = pe.Message
		return r
	case err != nil:
		r.Error = err.Error()
		return r
	}
	r.Signatures = sigs
	r.Valid = len(sigs) > 0
	for _, s := range sigs {
		r.Valid = r.Valid && s.Valid
	}
	return r
}

func pool(paths []string) (*x509.CertPool, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	p := x509.NewCertPool()
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("no se pudo leer el certificado de confianza %s: %w", path, err)
		}
		if !p.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%s no contiene ningún certificado PEM", path)
		}
	}
	return p, nil
}
