//go:build unix

package doctor

import (
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// fileGID is the group that owns the file.
func fileGID(fi fs.FileInfo) (uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Gid, true
}

// privateGroup reports whether gid is the user's private group, as
// Debian and Ubuntu make one for every user (and then give users umask
// 002, so that ~/.aws is 0775): the user's primary group, named after the
// user, with no member listed in /etc/group and no other account of
// /etc/passwd having it as its primary group. Anything it cannot read
// makes the group not private.
func privateGroup(gid uint32) (string, bool) {
	g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10))
	if err != nil {
		return strconv.FormatUint(uint64(gid), 10), false
	}
	u, err := user.Current()
	if err != nil || u.Gid != g.Gid || u.Username != g.Name {
		return g.Name, false
	}
	groups, err1 := os.ReadFile("/etc/group")
	passwd, err2 := os.ReadFile("/etc/passwd")
	if err1 != nil || err2 != nil {
		return g.Name, false
	}
	return g.Name, onlyMember(string(groups), string(passwd), u.Username, g.Gid)
}

// onlyMember reports whether no account but user is in group gid: none
// listed as a member in groups (/etc/group), none other with it as its
// primary group in passwd (/etc/passwd).
func onlyMember(groups, passwd, user, gid string) bool {
	found := false
	for _, line := range strings.Split(groups, "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[2] != gid {
			continue
		}
		found = true
		for _, m := range strings.Split(f[3], ",") {
			if m = strings.TrimSpace(m); m != "" && m != user {
				return false
			}
		}
	}
	if !found {
		return false
	}
	for _, line := range strings.Split(passwd, "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 4 && f[3] == gid && f[0] != user {
			return false
		}
	}
	return true
}
