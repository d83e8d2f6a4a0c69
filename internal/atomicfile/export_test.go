package atomicfile

// For the external tests (nonroot_test.go, which imports testenv: testenv
// imports store, which imports this package).
var (
	CheckContent = checkContent
	CheckClean   = checkClean
)
