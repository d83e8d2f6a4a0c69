package execcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// LookPath finds the program name as a shell would with path as PATH: a
// name containing a path separator is used as it is; otherwise each folder
// of path is searched (an empty element meaning the current folder). On
// Windows the extensions of pathext (PATHEXT; default .COM;.EXE;.BAT;.CMD)
// are tried too. The error wraps fs.ErrNotExist when nothing is found, and
// fs.ErrPermission when only something that cannot be run is.
func LookPath(name, path, pathext string) (string, error) {
	var exts []string
	if runtime.GOOS == "windows" && filepath.Ext(name) == "" {
		if pathext == "" {
			pathext = ".COM;.EXE;.BAT;.CMD"
		}
		for _, e := range strings.Split(strings.ToLower(pathext), ";") {
			if e != "" {
				exts = append(exts, e)
			}
		}
	}
	try := func(p string) (string, error) {
		if len(exts) == 0 {
			return p, runnable(p)
		}
		var last error = fs.ErrNotExist
		for _, e := range exts {
			if err := runnable(p + e); err == nil {
				return p + e, nil
			} else if !errors.Is(err, fs.ErrNotExist) {
				last = err
			}
		}
		return "", last
	}
	if strings.ContainsAny(name, `/`+string(filepath.Separator)) {
		p, err := try(name)
		if err != nil {
			return "", &fs.PathError{Op: "exec", Path: name, Err: err}
		}
		return p, nil
	}
	var denied error
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p, err := try(filepath.Join(dir, name))
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) && denied == nil {
			denied = err
		}
	}
	if denied != nil {
		return "", &fs.PathError{Op: "exec", Path: name, Err: denied}
	}
	return "", &fs.PathError{Op: "exec", Path: name, Err: fs.ErrNotExist}
}

// runnable reports whether path is a file that can be run: nil, or an
// error wrapping fs.ErrNotExist or fs.ErrPermission.
func runnable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fs.ErrNotExist
		}
		return fs.ErrPermission
	}
	if fi.IsDir() {
		return fmt.Errorf("is a folder: %w", fs.ErrPermission)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("not executable: %w", fs.ErrPermission)
	}
	return nil
}
