package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// checkFiles: the config and credentials files can be read and parse as
// botocore parses them.
func checkFiles(_ context.Context, e *Env) []Line {
	var lines []Line
	for i, path := range []string{e.Paths.Config, e.Paths.Credentials} {
		data, err := awsconfig.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			lines = append(lines, ok("%s does not exist (nothing to check)", e.show(path)))
			continue
		case errors.As(err, new(*awsconfig.FileError)):
			lines = append(lines, fail("point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at a regular file, or unset them", "cannot read %s: %v", e.show(path), rootCause(err)))
			continue
		case err != nil:
			lines = append(lines, fail("chmod u+rw "+e.show(path), "cannot read %s: %v", e.show(path), rootCause(err)))
			continue
		}
		f, err := awsconfig.Parse(path, data)
		if err == nil {
			// What only shows once the sections are read as profiles (a
			// nested value without '=').
			if i == 0 {
				_, err = awsconfig.Build(e.Paths, f, nil)
			} else {
				_, err = awsconfig.Build(e.Paths, nil, f)
			}
		}
		if err != nil {
			lines = append(lines, parseFailure(e, err))
			continue
		}
		lines = append(lines, ok("%s parses", e.show(path)))
	}
	return lines
}

// parseFailure is the line of a file that does not parse: FILE:LINE and
// what is wrong, never the line itself (it may hold a secret).
func parseFailure(e *Env, err error) Line {
	var pe *awsconfig.ParseError
	if errors.As(err, &pe) {
		if pe.Line > 0 {
			return fail(fmt.Sprintf("correct line %d of %s (the AWS CLI cannot read the file either)", pe.Line, e.show(pe.File)),
				"%s:%d: %s", e.show(pe.File), pe.Line, pe.Msg)
		}
		return fail("correct "+e.show(pe.File)+" (the AWS CLI cannot read it either)", "%s: %s", e.show(pe.File), pe.Msg)
	}
	return fail("correct the file", "%s", e.tilde(err.Error()))
}
