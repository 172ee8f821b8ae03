// Package translation holds the client's translations: Spanish, the
// source, and English. Keys are the Spanish texts.
package translation

import (
	"embed"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

//go:embed *.json
var files embed.FS

// Load adds the translations to fyne's lang package; the user's locale
// chooses among them.
func Load() error {
	ents, err := files.ReadDir(".")
	if err != nil {
		return err
	}
	for _, e := range ents {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			return err
		}
		if err := lang.AddTranslationsForLocale(data, fyne.Locale(strings.TrimSuffix(e.Name(), ".json"))); err != nil {
			return err
		}
	}
	return nil
}

// Files returns the embedded translation files, for tests.
func Files() embed.FS { return files }
