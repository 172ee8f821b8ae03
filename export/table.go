package export

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// sheet is one table of an export: its title, its header, and its rows,
// produced as they are written.
type sheet struct {
	title  string
	header []string
	// widths are the columns' widths in XLSX, in characters (0: the default).
	widths []float64
	rows   func(emit func(values ...any) error) error
}

// writeTable writes sheets as CSV or XLSX. Values are strings, ints,
// float64s and times (written as La Paz wall clock; the zero time is an
// empty cell).
func writeTable(w io.Writer, f Format, sheets []sheet) error {
	if f == XLSX {
		return writeXLSX(w, sheets)
	}
	return writeCSV(w, sheets)
}

// writeCSV writes RFC 4180 CSV. Several sheets follow one another, each
// under a line with its title, separated by an empty line. A text that a
// spreadsheet would take for a formula (starting with =, +, -, @, a tab or
// a carriage return) is written after an apostrophe.
func writeCSV(w io.Writer, sheets []sheet) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	rec := []string{}
	for i, s := range sheets {
		if len(sheets) > 1 {
			if i > 0 {
				if err := cw.Write(nil); err != nil {
					return err
				}
			}
			if err := cw.Write([]string{s.title}); err != nil {
				return err
			}
		}
		if err := cw.Write(s.header); err != nil {
			return err
		}
		err := s.rows(func(values ...any) error {
			rec = rec[:0]
			for _, v := range values {
				rec = append(rec, csvText(v))
			}
			return cw.Write(rec)
		})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func csvText(v any) string {
	switch v := v.(type) {
	case string:
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return local(v).Format(time.DateTime)
	case nil:
		return ""
	}
	panic("export: a cell of an unexpected type")
}

// writeXLSX writes one worksheet per sheet with excelize's StreamWriter:
// the header in bold and frozen, times as dates.
func writeXLSX(w io.Writer, sheets []sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // d/m/yyyy h:mm
	if err != nil {
		return err
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.title); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.title); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(s.title)
		if err != nil {
			return err
		}
		for c, wd := range s.widths {
			if wd > 0 {
				if err := sw.SetColWidth(c+1, c+1, wd); err != nil {
					return err
				}
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		head := make([]any, len(s.header))
		for c, h := range s.header {
			head[c] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		row := 1
		cells := make([]any, 0, len(s.header))
		err = s.rows(func(values ...any) error {
			row++
			cells = cells[:0]
			for _, v := range values {
				if t, ok := v.(time.Time); ok {
					if t.IsZero() {
						v = nil
					} else {
						v = excelize.Cell{StyleID: date, Value: local(t)}
					}
				}
				cells = append(cells, v)
			}
			return sw.SetRow(cellName(row), cells)
		})
		if err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// cellName returns the name of the first cell of a row: "A7".
func cellName(row int) string { return "A" + strconv.Itoa(row) }
