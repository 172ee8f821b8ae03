package notify

// SelfSigned exposes selfSigned to the external tests.
var SelfSigned = selfSigned

// CrashAfter makes d's Drains stop dead right after the n-th journal
// record, as if the process died there: nothing more is sent, synced,
// copied or written to the store.
func CrashAfter(d *Dispatcher, n int) { d.crashAfter = n }

// JournalDir is the folder of the batch journals under mailDir.
func JournalDir(mailDir string) string { return newJournal(mailDir).dir }
