// Package report renders the documents a procedure's definition declares
// (procedure.DocumentDef) as PDF, on A4: for the manual UIT/ASS-M01, the
// Remisión de Nota (step 1), the Informe técnico de conclusión or Nota de
// conclusión (step 6, a new version at steps 7 and 8 with each sign-off),
// the Nota Interna (step 8) and the Hoja de ruta (the whole flow of a
// case). It knows no procedure by name.
//
// Render is pure: the same Input and Options give the same bytes. Every
// document carries a QR code and a short verification code derived from
// its Fingerprint. Sign adds incremental
// PDF signatures (adbe.pkcs7.detached) from an Identity loaded from PEM or
// PKCS#12. Processor renders, signs and stores the documents the engine
// queues in its outbox, after the transition has committed.
//
// Text is drawn with an embedded subset of DejaVu Sans (see fonts/), so
// Spanish text extracts intact; characters the font lacks are replaced,
// never fatal. Secret inputs never reach a document: the engine keeps them
// out of Case.Data and Entry.Data, and procedure.Facts gives templates
// nothing of an input a definition declares secret.
package report
