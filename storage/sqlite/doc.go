// Package sqlite stores tramite's cases, their hash-chained history, their
// outbox, cite numbers, documents and people in SQLite, through the pure-Go
// driver modernc.org/sqlite. It is the embedded default store of every
// program in this module.
//
// A Store implements procedure.Store, procedure.People and
// procedure.ChangeFeed. One Update is one SQLite transaction begun with
// BEGIN IMMEDIATE: writers in this process queue on the store's single write
// connection, writers in other processes on SQLite's lock (busy_timeout), and
// a transition's new state, history entry, outbox items and cite numbers
// commit together or not at all. The database runs in WAL mode with
// synchronous=FULL unless the caller chooses otherwise, so an acknowledged
// step survives a power cut.
//
// The schema is migrated on Open from SQL files embedded in the package and
// tracked with PRAGMA user_version; a database written by a newer version is
// refused. Backup copies a live database to a file and Check verifies its
// integrity and every case's history chain.
package sqlite
