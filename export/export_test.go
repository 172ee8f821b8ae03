package export

// Exported for the tests of package export_test.
var (
	CaseHeader = caseHeader
	CaseRow    = caseRow
	Local      = local
)
