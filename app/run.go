package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/remote"
	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/app/translation"
	"github.com/tramite/tramite/calendar"
	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/storage"
)

// AppID is the client's application ID (see FyneApp.toml).
const AppID = "bo.gob.agetic.tramite"

func run(args []string) error {
	f, err := parseFlags(args)
	if err != nil {
		return err
	}
	chooseLanguage(f.lang)
	a := fyneapp.NewWithID(AppID)
	if err := translation.Load(); err != nil {
		return fmt.Errorf("translations: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	server := f.server
	if server == "" {
		server = os.Getenv("TRAMITE_SERVER")
	}
	if server == "" {
		server = desk.ReadSettings(a.Preferences(), nil).Server
	}
	if server != "" {
		// Signed in to a server: no key, database or SMTP password here.
		client, err := remote.New(server, nil, desk.NewPreferences(a.Preferences(), nil))
		if err != nil {
			return err
		}
		log.Info("working on a tramite server", "server", server)
		return show(a, ui.New(a, client, ui.Options{Live: true, Log: log}), f)
	}
	dataDir := a.Storage().RootURI().Path()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	key, err := procedure.LoadKey(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		return err
	}
	sealer, err := procedure.NewAESSealer(key)
	if err != nil {
		return err
	}
	// Settings live in the app's preferences; read the database path first.
	settings := desk.ReadSettings(a.Preferences(), sealer)
	def := settings.Database
	if def == "" {
		def = filepath.Join(dataDir, "tramite.db")
	}
	path := storage.TargetFromEnv(f.db, def)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := storage.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("open %s: %w", storage.Describe(path), err)
	}
	defer store.Close()
	defs, cal, err := definitions(f)
	if err != nil {
		return err
	}
	engine, err := procedure.NewEngine(store, procedure.WithDefinitions(defs...), procedure.WithDirectory(store), procedure.WithSealer(sealer),
		procedure.WithCalendar(cal), procedure.WithLogger(log))
	if err != nil {
		return err
	}
	mail := func(st desk.Settings) (notify.Config, error) {
		mode, err := notify.ParseTLSMode(st.SMTPSecurity)
		if err != nil {
			return notify.Config{}, procedure.Errorf(procedure.EINVALID, "seguridad SMTP desconocida %q", st.SMTPSecurity)
		}
		return notify.Config{Host: st.SMTPHost, Port: st.SMTPPort, Username: st.SMTPUser, Password: st.SMTPPassword,
			From: procedure.Address{Name: "Trámites UIT", Email: st.MailFrom}, TLS: mode,
			MailDir: filepath.Join(dataDir, "mail"), Institution: notify.Institution{Name: st.Institution, Unit: st.Unit}}, nil
	}
	// On a single desk each person signs with their own development
	// identity (not legally valid), made on first use and bound to them.
	devDir := filepath.Join(dataDir, "dev-people")
	var signing *report.Signing
	if certs, ok := store.(procedure.Certificates); ok {
		roots, err := report.DevPeopleRoots(devDir)
		if err != nil {
			return err
		}
		if signing, err = report.NewSigning(engine, store, certs, report.SigningConfig{Verify: report.VerifyOptions{Roots: roots}}); err != nil {
			return err
		}
	}
	svc, err := desk.New(desk.Config{Engine: engine, Store: store, People: store, Feed: store, Prefs: a.Preferences(), Sealer: sealer, Signing: signing,
		TestSMTP: func(ctx context.Context, st desk.Settings) error {
			cfg, err := mail(st)
			if err != nil {
				return err
			}
			return notify.TestConnection(ctx, cfg)
		}})
	if err != nil {
		return err
	}
	if f.demo {
		seeded, err := svc.SeedPeople(ctx)
		if err != nil {
			return err
		}
		if seeded {
			if _, err := svc.SeedCases(ctx); err != nil {
				return err
			}
			log.Info("demo data created", "db", storage.Describe(path))
		}
	}
	if !f.noServices {
		if err := startBackground(ctx, log, engine, store, devDir, dataDir, f.demo, settings, mail); err != nil {
			log.Warn("background services", "err", err) // the client still works; documents and mail wait in the outbox
		}
		if f.deadlines != "" {
			go engine.RunEscalation(ctx, time.Minute)
		}
	}
	return show(a, ui.New(a, svc, ui.Options{Live: true, Log: log}), f)
}

// definitions returns the procedures the desk's engine runs: the
// manual's, and with -plazos after them the same with the agency's
// deadlines (current for new cases); and the working-day calendar of
// -departamento.
func definitions(f flags) ([]*procedure.Definition, procedure.Calendar, error) {
	cal, err := calendar.New(calendar.Settings{Department: f.department})
	if err != nil {
		return nil, nil, err
	}
	defs := manual.Definitions()
	if f.deadlines == "" {
		return defs, cal, nil
	}
	data, err := os.ReadFile(f.deadlines)
	if err != nil {
		return nil, nil, fmt.Errorf("plazos: %w", err)
	}
	withDeadlines, err := procedure.ApplyDeadlines(data, defs)
	if err != nil {
		return nil, nil, fmt.Errorf("plazos %s: %w", f.deadlines, err)
	}
	return append(defs, withDeadlines...), cal, nil
}

// show runs the client's window until it closes (or, with
// -screenshot-dir, until the screenshots are written).
func show(a fyne.App, u *ui.UI, f flags) error {
	if f.shots != "" {
		go func() {
			if err := screenshots(u, f.shots, f.shotUser); err != nil {
				fmt.Fprintln(os.Stderr, "tramite: screenshots:", err)
				os.Exit(1)
			}
			fyne.Do(a.Quit)
		}()
	}
	u.Win.SetMaster()
	u.Win.ShowAndRun()
	return nil
}

// startBackground runs the document processor and the mail dispatcher.
// Without an institutional identity in the settings, documents are signed
// for each person with their own development identity, kept in devDir.
func startBackground(ctx context.Context, log *slog.Logger, engine *procedure.Engine, store storage.Backend, devDir, dataDir string,
	demo bool, st desk.Settings, mail func(desk.Settings) (notify.Config, error)) error {
	var signers report.Signers
	if st.SigningCert != "" && st.SigningKey != "" {
		keyPEM, err := os.ReadFile(st.SigningKey)
		var certPEM []byte
		if err == nil {
			certPEM, err = os.ReadFile(st.SigningCert)
		}
		var id report.Identity
		if err == nil {
			id, err = report.LoadPEMIdentity(keyPEM, certPEM)
		}
		if err != nil {
			return fmt.Errorf("signing identity: %w", err)
		}
		signers = report.SameSigner(id)
	} else {
		certs, _ := store.(procedure.Certificates)
		signers = report.DevSigners(devDir, store, certs)
	}
	proc, err := report.NewProcessor(store, engine, report.ProcessorConfig{
		Options: report.Options{Institution: report.Institution{Name: st.Institution, Unit: st.Unit, City: st.City}},
		Signers: signers, Directory: store, Dir: filepath.Join(dataDir, "documents")})
	if err != nil {
		return err
	}
	go func() {
		if err := proc.Run(ctx, 2*time.Second); err != nil && ctx.Err() == nil {
			log.Error("document processor stopped", "err", err)
		}
	}()
	cfg, err := mail(st)
	if err != nil {
		return err
	}
	if cfg.Host == "" {
		if !demo {
			log.Info("no SMTP server configured: mail waits in the outbox")
			return nil
		}
		capture, err := notify.NewCaptureServer(filepath.Join(dataDir, "mail-capture"))
		if err != nil {
			return err
		}
		go func() { <-ctx.Done(); capture.Close() }()
		md := cfg.MailDir
		cfg = capture.Config(cfg.From)
		cfg.MailDir = md
		log.Info("demo mode: mail is captured locally", "addr", capture.Addr())
	}
	disp, err := notify.NewDispatcher(store, engine, cfg, notify.WithLogger(log))
	if err != nil {
		return err
	}
	go func() {
		if err := disp.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("mail dispatcher stopped", "err", err)
		}
	}()
	return nil
}

// chooseLanguage makes fyne's lang package pick lang ("es", "en"), or
// Spanish when the system names no language (LANG=C or unset).
func chooseLanguage(lang string) {
	if lang != "" {
		os.Setenv("LANGUAGE", lang)
		os.Setenv("LC_ALL", lang)
		return
	}
	for _, v := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		switch l := strings.TrimSpace(os.Getenv(v)); {
		case l == "":
			continue
		case l == "C" || l == "POSIX" || strings.HasPrefix(l, "C."):
			os.Setenv(v, "es_BO.UTF-8")
		}
	}
	if os.Getenv("LANG") == "" && os.Getenv("LC_ALL") == "" && os.Getenv("LANGUAGE") == "" {
		os.Setenv("LANG", "es_BO.UTF-8")
	}
}
