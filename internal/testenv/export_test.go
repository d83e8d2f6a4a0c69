package testenv

// SkipOrFailCI exposes skipOrFail, whose CI switch is an argument, to the
// external tests.
var SkipOrFailCI = skipOrFail

// PID returns the process id of the moto server m uses.
func (m *MotoServer) PID() int { return m.proc.cmd.Process.Pid }

// StartMoto starts a moto_server of its own, not the shared one.
func StartMoto() (url string, pid int, stop func(), err error) {
	p, err := startMoto(motoStartTimeout)
	if err != nil {
		return "", 0, nil, err
	}
	return p.url, p.cmd.Process.Pid, p.stop, nil
}
