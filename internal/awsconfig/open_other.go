//go:build !unix

package awsconfig

// openNonblock is not needed where there are no named pipes in the file
// system.
const openNonblock = 0
