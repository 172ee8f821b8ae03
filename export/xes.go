package export

import (
	"bufio"
	"encoding/xml"
	"io"
	"strconv"

	"github.com/tramite/tramite/procedure"
)

// xesHead opens an IEEE 1849-2016 (XES) log: the standard extensions it
// uses, the attributes every trace and event carries, and a classifier by
// activity.
const xesHead = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
 <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
 <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
 <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
 <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
 <global scope="trace">
  <string key="concept:name" value="-"/>
 </global>
 <global scope="event">
  <string key="concept:name" value="-"/>
  <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
  <string key="lifecycle:transition" value="complete"/>
 </global>
 <classifier name="Actividad" keys="concept:name"/>
 <classifier name="Actividad y persona" keys="concept:name org:resource"/>
 <string key="concept:name" value="tramite: historial de los trámites"/>
`

// xesTime is how XES writes a date: ISO 8601 with milliseconds and offset.
const xesTime = "2006-01-02T15:04:05.000-07:00"

// writeXES writes the event log: one trace per case (its ID as
// concept:name, with its procedure, system, unit and state), one event per
// history entry in order (the action as concept:name, the person as
// org:resource, the role as org:role, the time in La Paz, the step, event
// and states).
func writeXES(w io.Writer, scan scanFunc) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	x := xesWriter{w: bw}
	x.raw(xesHead)
	err := scan(func(f procedure.CaseFigures, h []procedure.Entry) error {
		c := f.Case
		x.raw(" <trace>\n")
		x.attr("  ", "string", "concept:name", c.ID)
		x.attr("  ", "string", "procedimiento", c.Procedure)
		x.attr("  ", "string", "sistema", c.System)
		x.attr("  ", "string", "unidad", c.Unit)
		state := string(c.State)
		if f.Definition != nil {
			state = f.Definition.StateLabel(c.State)
		}
		x.attr("  ", "string", "estado", state)
		x.attr("  ", "date", "iniciado", c.CreatedAt.In(procedure.LaPaz).Format(xesTime))
		for _, e := range h {
			ev := eventOf(f.Definition, e)
			x.raw("  <event>\n")
			x.attr("   ", "string", "concept:name", ev.action)
			x.attr("   ", "string", "org:resource", e.ActorName)
			x.attr("   ", "string", "org:role", ev.role)
			x.attr("   ", "date", "time:timestamp", e.At.In(procedure.LaPaz).Format(xesTime))
			x.attr("   ", "string", "lifecycle:transition", "complete")
			x.attr("   ", "int", "nro", strconv.Itoa(e.Seq))
			x.attr("   ", "int", "paso", strconv.Itoa(e.Step))
			x.attr("   ", "string", "evento", string(e.Event))
			x.attr("   ", "string", "usuario", e.ActorID)
			if ev.from != "" {
				x.attr("   ", "string", "estado_anterior", ev.from)
			}
			x.attr("   ", "string", "estado", ev.to)
			x.attr("   ", "boolean", "interino", strconv.FormatBool(e.Interim))
			x.raw("  </event>\n")
		}
		x.raw(" </trace>\n")
		return x.err
	})
	if err != nil {
		return err
	}
	x.raw("</log>\n")
	if x.err != nil {
		return x.err
	}
	return bw.Flush()
}

// xesWriter writes XML, keeping the first error.
type xesWriter struct {
	w   *bufio.Writer
	err error
}

func (x *xesWriter) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// attr writes an attribute element: <type key="key" value="value"/>, the
// value escaped (quotes and control characters included).
func (x *xesWriter) attr(indent, typ, key, value string) {
	x.raw(indent + "<" + typ + ` key="` + key + `" value="`)
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(value))
	}
	x.raw("\"/>\n")
}
