package notify_test

import (
	"strings"
	"testing"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
)

// BenchmarkComposeLong composes a message whose sender and recipient names,
// subject and body are long non-ASCII text ("ñ", two bytes, RFC 2047
// encoded in the header), at 1, 4 and 16 times a base size of 4,096
// characters per field. The time per character must stay flat: composing
// is linear in the message's size (issue 16: go-message's header folding
// concatenated the field line by line, quadratic in its length).
func BenchmarkComposeLong(b *testing.B) {
	const base = 4096
	for _, k := range []int{1, 4, 16} {
		n := base * k
		long := strings.Repeat("ñ", n)
		e := notify.Email{
			From:      procedure.Address{Name: long, Email: "tramites@agetic.gob.bo"},
			To:        []procedure.Address{{Name: long, Email: "ana@agetic.gob.bo"}},
			Cc:        []procedure.Address{{Name: long, Email: "carla@agetic.gob.bo"}, {Name: long, Email: "elena@agetic.gob.bo"}},
			Subject:   long,
			Text:      long,
			HTML:      "<p>" + long + "</p>",
			MessageID: "bench@tramite.agetic.gob.bo",
			Headers:   map[string]string{"X-Tramite-Case": long},
		}
		b.Run("x"+itoa(k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := notify.Compose(e); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/char")
		})
	}
}
