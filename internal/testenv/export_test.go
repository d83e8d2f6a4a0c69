package testenv

// SkipOrFailCI exposes skipOrFail, whose CI switch is an argument, to the
// external tests.
var SkipOrFailCI = skipOrFail

// MotoPID returns the process id of the shared moto server, 0 if it is not
// running.
func MotoPID() int {
	if moto.proc == nil {
		return 0
	}
	return moto.proc.cmd.Process.Pid
}

// StartMoto starts a moto_server of its own, not the shared one.
func StartMoto() (url string, pid int, stop func(), err error) {
	p, err := startMoto(motoStartTimeout)
	if err != nil {
		return "", 0, nil, err
	}
	return p.url, p.cmd.Process.Pid, p.stop, nil
}
