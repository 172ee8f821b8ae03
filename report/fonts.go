package report

import (
	_ "embed"
	"sync"

	"github.com/tramite/tramite/report/internal/pdfdoc"
)

// The embedded fonts: subsets of DejaVu Sans (see fonts/README.md and
// fonts/LICENSE).
var (
	//go:embed fonts/DejaVuSans-subset.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold-subset.ttf
	fontBold []byte
)

// fontFamily is the family name the documents register the fonts under.
const fontFamily = "DejaVuSans"

// replacement is drawn in place of a character the fonts lack.
const replacement = '\uFFFD'

// fonts are the embedded fonts, parsed once per process. A pdfdoc.Font is
// immutable, so every document, in any goroutine, shares these two.
var fonts = sync.OnceValues(func() (fontSet, error) {
	reg, err := pdfdoc.ParseFont(fontFamily, fontRegular)
	if err != nil {
		return fontSet{}, err
	}
	bold, err := pdfdoc.ParseFont(fontFamily+"-Bold", fontBold)
	if err != nil {
		return fontSet{}, err
	}
	return fontSet{reg, bold}, nil
})

type fontSet struct{ regular, bold *pdfdoc.Font }

// covered reports whether both embedded fonts can draw r.
func covered(r rune) bool {
	f, err := fonts()
	return err == nil && f.regular.Has(r) && f.bold.Has(r)
}
