package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/server"
)

// TestAttachmentsThroughTheAPI: a file given with an action travels
// base64-encoded in its body, is listed and read back by those who may see
// the case (not by a requester of another unit), and the email of that
// action reads with its subject, text and the file among its attachments.
// A file of a type the step does not take is refused with the field named;
// a body beyond the files' allowance answers 413.
func TestAttachmentsThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	cs := e.inProgress(proceduretest.UnitDesarrollo, "Portal")
	fabio := e.signIn(proceduretest.Profesional)
	ana := e.signIn(proceduretest.Solicitante)
	bruno := e.signIn(proceduretest.Solicitante2)
	fabio.json("POST", "/cases/"+cs.ID+"/events/observe", map[string]any{"inputs": map[string]string{"observations": "Falta la URL."}}, http.StatusOK, nil)

	bad := map[string]any{"inputs": map[string]string{"answer": "Adjunto."},
		"files": map[string]procedure.File{"answer_file": {Name: "virus.exe", Content: []byte("MZ")}}}
	ans := ana.call("POST", "/cases/"+cs.ID+"/events/complete", bad)
	if ans.status != http.StatusBadRequest || !strings.Contains(ans.err(t).Error.Message, "virus.exe no es de un tipo admitido") {
		t.Fatalf("a file of a type not taken: %d %s", ans.status, ans.body)
	}
	file := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0, 0xff, 7}, 300<<10)...) // ~900 KiB, about 1.2 MiB encoded: beyond the 1 MiB of a plain body
	good := map[string]any{"inputs": map[string]string{"answer": "Adjunto la nota."},
		"files": map[string]procedure.File{"answer_file": {Name: "nota.pdf", Content: file}}}
	var c procedure.Case
	ana.json("POST", "/cases/"+cs.ID+"/events/complete", good, http.StatusOK, &c)
	if c.Data["answer_file"] != "nota.pdf" {
		t.Fatalf("the case records %q", c.Data["answer_file"])
	}

	var list []procedure.Attachment
	fabio.json("GET", "/cases/"+cs.ID+"/attachments", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].Name != "nota.pdf" || list[0].Size != int64(len(file)) || list[0].Content != nil {
		t.Fatalf("attachments listed: %+v", list)
	}
	path := fmt.Sprintf("/cases/%s/attachments/%d/answer_file", cs.ID, list[0].Seq)
	got := fabio.call("GET", path, nil)
	if got.status != http.StatusOK || !bytes.Equal(got.body, file) || got.header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(got.header.Get("Content-Disposition"), "nota.pdf") {
		t.Fatalf("the file read back: %d %s %s", got.status, got.header.Get("Content-Type"), got.header.Get("Content-Disposition"))
	}
	for _, p := range []string{"/cases/" + cs.ID + "/attachments", path} {
		if ans := bruno.call("GET", p, nil); ans.status != http.StatusNotFound {
			t.Fatalf("a requester of another unit reads %s: %d", p, ans.status)
		}
	}
	if ans := fabio.call("GET", fmt.Sprintf("/cases/%s/attachments/%d/answer", cs.ID, list[0].Seq), nil); ans.status != http.StatusNotFound {
		t.Fatalf("no such attachment: %d", ans.status)
	}

	var msg struct {
		Subject   string                 `json:"subject"`
		Text      string                 `json:"text"`
		Documents []procedure.Document   `json:"documents"`
		Files     []procedure.Attachment `json:"files"`
	}
	fabio.json("GET", fmt.Sprintf("/cases/%s/emails/%d/%s", cs.ID, list[0].Seq, manual.TopicRespuesta), nil, http.StatusOK, &msg)
	if !strings.Contains(msg.Subject, cs.ID) || !strings.Contains(msg.Text, "Adjunto la nota.") || len(msg.Files) != 1 || msg.Files[0].Name != "nota.pdf" {
		raw, _ := json.Marshal(msg)
		t.Fatalf("the email reads %s", raw)
	}
	if ans := bruno.call("GET", fmt.Sprintf("/cases/%s/emails/%d/%s", cs.ID, list[0].Seq, manual.TopicRespuesta), nil); ans.status != http.StatusNotFound {
		t.Fatalf("a requester of another unit reads the email: %d", ans.status)
	}

	small := newEnv(t, func(c *server.Config) { c.MaxFileBodyBytes = 64 << 10 })
	cs2 := small.inProgress(proceduretest.UnitDesarrollo, "Portal")
	small.signIn(proceduretest.Profesional).json("POST", "/cases/"+cs2.ID+"/events/observe", map[string]any{"inputs": map[string]string{"observations": "x"}}, http.StatusOK, nil)
	if ans := small.signIn(proceduretest.Solicitante).call("POST", "/cases/"+cs2.ID+"/events/complete", good); ans.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body beyond the allowance: %d", ans.status)
	}
}
