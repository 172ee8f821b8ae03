// Command app is tramite's desktop client: agency staff sign in and do
// their part of the procedures of manual UIT/ASS-M01.
//
//	go run ./app                 # the embedded SQLite database, with demo data
//	go run ./app -db ruta.db     # another database
//	go run ./app -server https://tramite.agetic.gob.bo   # signed in to the agency's server
//
// Signed in to a server, the desk keeps no database, sealing key, signing
// key or SMTP password: the server holds them and decides what each person
// sees and does.
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
	server     string
	db         string
	demo       bool
	shots      string
	shotUser   string
	noServices bool
	lang       string
	deadlines  string
	department string
}

func parseFlags(args []string) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("tramite", flag.ContinueOnError)
	fs.StringVar(&f.server, "server", "", "address of the agency's tramite server, https://… (default: $TRAMITE_SERVER, or the one saved in Ajustes); without one the client runs the engine on this desk")
	fs.StringVar(&f.db, "db", "", "SQLite file or postgres:// URL (default: $TRAMITE_DATABASE_URL, the one chosen in Ajustes, or tramite.db in the user's data directory)")
	fs.BoolVar(&f.demo, "demo", true, "on an empty database, create the demo people and cases; without an SMTP server, capture mail locally")
	fs.StringVar(&f.shots, "screenshot-dir", "", "sign in, write a PNG of each main screen to this directory and exit")
	fs.StringVar(&f.shotUser, "screenshot-user", "fabio", "demo user signed in for -screenshot-dir")
	fs.BoolVar(&f.noServices, "no-background", false, "do not render documents or send mail from this client")
	fs.StringVar(&f.deadlines, "plazos", "", "JSON file of the agency's deadlines (an extension the manual does not set; see manual.ExampleDeadlines) for the engine on this desk")
	fs.StringVar(&f.department, "departamento", "La Paz", "department whose holiday the deadlines' working-day calendar observes")
	fs.StringVar(&f.lang, "lang", "", "language of the screens: es or en (default: the system's, Spanish when it has none)")
	return f, fs.Parse(args)
}
