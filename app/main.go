// Command app is tramite's desktop client: agency staff sign in and do
// their part of procedures UIT/ASS-PR01 and PR02.
//
//	go run ./app                 # the embedded SQLite database, with demo data
//	go run ./app -db ruta.db     # another database
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tramite:", err)
		os.Exit(1)
	}
}

// flags are the command line of the client.
type flags struct {
	db         string
	demo       bool
	shots      string
	shotUser   string
	noServices bool
	lang       string
}

func parseFlags(args []string) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("tramite", flag.ContinueOnError)
	fs.StringVar(&f.db, "db", "", "SQLite file or postgres:// URL (default: $TRAMITE_DATABASE_URL, the one chosen in Ajustes, or tramite.db in the user's data directory)")
	fs.BoolVar(&f.demo, "demo", true, "on an empty database, create the demo people and cases; without an SMTP server, capture mail locally")
	fs.StringVar(&f.shots, "screenshot-dir", "", "sign in, write a PNG of each main screen to this directory and exit")
	fs.StringVar(&f.shotUser, "screenshot-user", "fabio", "demo user signed in for -screenshot-dir")
	fs.BoolVar(&f.noServices, "no-background", false, "do not render documents or send mail from this client")
	fs.StringVar(&f.lang, "lang", "", "language of the screens: es or en (default: the system's, Spanish when it has none)")
	return f, fs.Parse(args)
}
