package ui

// CaseCell is the text of column col of a case table's row for c.
var CaseCell = caseCell
