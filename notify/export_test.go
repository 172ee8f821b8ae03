package notify

// SelfSigned exposes selfSigned to the external tests.
var SelfSigned = selfSigned
