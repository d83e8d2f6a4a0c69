//go:build !unix

package doctor

import "io/fs"

func fileGID(fs.FileInfo) (uint32, bool) { return 0, false }

func privateGroup(gid uint32) (string, bool) { return "", false }
